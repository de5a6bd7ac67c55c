import { startCountingServer, type CountingServer } from '@alien/testing';
import type { CompletedNode, RunEvent } from './events';
import type { WorkflowGraph } from './graph';
import { runWorkflow } from './run';
import { chain, edge, node } from './spec-helpers';

/** input → edit_fields → output, the P4 shape. */
function greetingGraph(): WorkflowGraph {
  return chain(
    node('in', 'input', {}, { isInput: true }),
    node('edit', 'edit_fields', { fields: { greeting: '"Hello, " & name', shout: '$uppercase(name)' } }),
    node('out', 'output', { value: '@edit.greeting' }),
  );
}

function recorder() {
  const events: RunEvent[] = [];
  return { events, onEvent: (e: RunEvent) => void events.push(e), kinds: () => events.map((e) => `${e.type} ${e.nodeId}`) };
}

describe(runWorkflow.name, () => {
  it('runs input → edit_fields → output and returns the result clients read', async () => {
    const rec = recorder();
    const outcome = await runWorkflow({ graph: greetingGraph(), input: { name: 'Ada' }, jobId: 'job-1', onEvent: rec.onEvent });
    expect(outcome.status).toBe('completed');
    expect(outcome.result).toEqual({ results: { out: ['Hello, Ada'] }, stream: {} });
    expect(rec.kinds()).toEqual([
      'node.started in',
      'node.finished in',
      'node.started edit',
      'node.finished edit',
      'node.started out',
      'node.finished out',
    ]);
    const edit = rec.events.find((e) => e.type === 'node.finished' && e.nodeId === 'edit');
    expect(edit).toMatchObject({ output: { name: 'Ada', greeting: 'Hello, Ada', shout: 'ADA' }, nodeType: 'edit_fields' });
    expect(outcome.nodes.map((n) => [n.id, n.data.isExecuted, n.data.outputs, n.data.errors])).toEqual([
      ['in', true, [{ name: 'Ada' }], []],
      ['edit', true, [{ name: 'Ada', greeting: 'Hello, Ada', shout: 'ADA' }], []],
      ['out', true, ['Hello, Ada'], []],
    ]);
  });

  it('awaits node.finished before starting the next node', async () => {
    const order: string[] = [];
    await runWorkflow({
      graph: greetingGraph(),
      input: { name: 'Ada' },
      jobId: 'job-2',
      onEvent: async (e) => {
        order.push(`${e.type} ${e.nodeId} begin`);
        if (e.type === 'node.finished') await new Promise((r) => setTimeout(r, 30));
        order.push(`${e.type} ${e.nodeId} end`);
      },
    });
    expect(order.indexOf('node.started edit begin')).toBeGreaterThan(order.indexOf('node.finished in end'));
    expect(order.indexOf('node.started out begin')).toBeGreaterThan(order.indexOf('node.finished edit end'));
  });

  it('runs independent branches concurrently', async () => {
    const graph: WorkflowGraph = {
      nodes: [node('in', 'input'), node('w1', 'wait', { ms: 300 }), node('w2', 'wait', { ms: 300 }), node('out', 'aggregate', { operation: 'count' })],
      edges: [edge('in', 'w1'), edge('in', 'w2'), edge('w1', 'out'), edge('w2', 'out')],
    };
    const started = Date.now();
    const outcome = await runWorkflow({ graph, input: {}, jobId: 'job-3' });
    expect(outcome.status).toBe('completed');
    expect(Date.now() - started).toBeLessThan(550);
    expect(outcome.nodeStates.out).toMatchObject({ status: 'completed' });
    expect(outcome.nodes.find((n) => n.id === 'out')?.data.outputs).toEqual([2]);
  });

  it('fails a graph that does not validate, with the issues and no event', async () => {
    const rec = recorder();
    const graph = chain(node('in', 'input'), node('x', 'nope'));
    const outcome = await runWorkflow({ graph, jobId: 'job-4', onEvent: rec.onEvent });
    expect(outcome.status).toBe('failed');
    expect(outcome.error).toMatchObject({ code: 'invalid_graph', issues: [{ field: 'nodes[1].type', rule: 'knownType' }] });
    expect(rec.events).toEqual([]);
  });

  it('reports a failing node as a typed error without a stack, and does not run what follows', async () => {
    const rec = recorder();
    const graph = chain(node('in', 'input'), node('edit', 'edit_fields', { expression: '$error("boom")' }), node('out', 'output'));
    const outcome = await runWorkflow({ graph, input: {}, jobId: 'job-5', onEvent: rec.onEvent });
    expect(outcome.status).toBe('failed');
    expect(outcome.error).toEqual({ nodeId: 'edit', code: 'expression_error', message: 'params.expression failed: boom' });
    expect(rec.kinds()).toEqual(['node.started in', 'node.finished in', 'node.started edit', 'node.failed edit']);
    expect(outcome.nodes[1].data).toMatchObject({ isExecuted: false, outputs: [], errors: [{ code: 'expression_error', message: 'params.expression failed: boom' }] });
    expect(JSON.stringify(outcome)).not.toMatch(/\n\s+at /);
  });

  describe('durability', () => {
    let upstream: CountingServer;
    beforeAll(async () => {
      upstream = await startCountingServer();
    });
    afterAll(() => upstream.stop());
    beforeEach(() => upstream.reset());
    const http = { allow: ['127.0.0.1'] };

    /** in → call-1 (http) → call-2 (http, slow) → out */
    const calls = (slowMs: number): WorkflowGraph =>
      chain(
        node('in', 'input', {}, { isInput: true }),
        node('call-1', 'http_request', { url: `${upstream.url}/first`, method: 'POST' }),
        node('call-2', 'http_request', { url: `${upstream.url}/slow?ms=${slowMs}`, method: 'POST' }),
        node('out', 'output', { value: '@call-2.body.count' }),
      );

    it('resumes after the persisted nodes without running them again', async () => {
      const persisted: Record<string, CompletedNode> = {};
      const first = await runWorkflow({
        graph: calls(0),
        input: {},
        jobId: 'job-r',
        http,
        onEvent: (e) => {
          // The runtime persists at node.finished; pretend the worker dies after call-1 was stored.
          if (e.type === 'node.finished' && (e.nodeId === 'in' || e.nodeId === 'call-1')) persisted[e.nodeId] = { output: e.output, branches: e.branches };
        },
      });
      expect(first.status).toBe('completed');
      expect(upstream.hits('/first')).toBe(1);

      const rec = recorder();
      const second = await runWorkflow({ graph: calls(0), input: {}, jobId: 'job-r', http, completed: persisted, onEvent: rec.onEvent });
      expect(second.status).toBe('completed');
      expect(upstream.hits('/first')).toBe(1);
      expect(rec.kinds()).toEqual(['node.started call-2', 'node.finished call-2', 'node.started out', 'node.finished out']);
      expect(second.nodeStates['call-1']).toMatchObject({ status: 'completed', resumed: true });
      expect(second.nodes.find((n) => n.id === 'call-1')?.data).toMatchObject({ isExecuted: true, outputs: [persisted['call-1'].output] });
      expect(second.result.results).toEqual({ out: [3] });
    });

    it('re-runs a node interrupted mid-flight with the same Idempotency-Key', async () => {
      const persisted: Record<string, CompletedNode> = {};
      const crash = new AbortController();
      const first = await runWorkflow({
        graph: calls(5000),
        input: {},
        jobId: 'job-i',
        http,
        signal: crash.signal,
        onEvent: (e) => {
          if (e.type === 'node.finished') persisted[e.nodeId] = { output: e.output };
          // The worker is lost while call-2 waits for its upstream.
          if (e.type === 'node.started' && e.nodeId === 'call-2') setTimeout(() => crash.abort(), 100);
        },
      });
      expect(first.status).toBe('cancelled');
      expect(Object.keys(persisted)).toEqual(['in', 'call-1']);

      const second = await runWorkflow({ graph: calls(10), input: {}, jobId: 'job-i', http, completed: persisted });
      expect(second.status).toBe('completed');
      expect(upstream.idempotencyKeys('/first')).toEqual(['job-i:call-1']);
      expect(upstream.idempotencyKeys('/slow')).toEqual(['job-i:call-2', 'job-i:call-2']);
      expect(upstream.requests.filter((r) => r.path === '/slow').map((r) => r.aborted)).toEqual([true, false]);
    });

    it('skips the branch a resumed condition did not take', async () => {
      const graph: WorkflowGraph = {
        nodes: [node('in', 'input'), node('check', 'condition', { value: true }), node('yes', 'output'), node('no', 'output')],
        edges: [edge('in', 'check'), edge('check', 'yes', 'true'), edge('check', 'no', 'false')],
      };
      const outcome = await runWorkflow({ graph, jobId: 'job-b', completed: { in: { output: {} }, check: { output: { x: 1 }, branches: ['false'] } } });
      expect(outcome.result.results).toEqual({ no: [{ x: 1 }] });
      expect(outcome.nodeStates.yes).toMatchObject({ status: 'skipped', skipReason: 'branch_not_taken' });
    });

    it('cancels within 1 s while a node waits on an upstream, and runs nothing after', async () => {
      const controller = new AbortController();
      const rec = recorder();
      const run = runWorkflow({ graph: calls(30_000), input: {}, jobId: 'job-x', http, signal: controller.signal, onEvent: rec.onEvent });
      while (!rec.events.some((e) => e.type === 'node.started' && e.nodeId === 'call-2')) await new Promise((r) => setTimeout(r, 5));
      await new Promise((r) => setTimeout(r, 50));
      const cancelledAt = Date.now();
      controller.abort();
      const outcome = await run;
      const took = Date.now() - cancelledAt;
      expect(took).toBeLessThan(1000);
      expect(outcome.status).toBe('cancelled');
      expect(outcome.error).toEqual({ code: 'cancelled', message: 'the run was cancelled' });
      expect(outcome.nodeStates['call-2']).toMatchObject({ status: 'cancelled' });
      expect(outcome.nodeStates.out).toBeUndefined();
      expect(rec.kinds().at(-1)).toBe('node.failed call-2');
      // The upstream sees the connection go away.
      await new Promise((r) => setTimeout(r, 50));
      expect(upstream.requests.find((r) => r.path === '/slow')?.aborted).toBe(true);
    });
  });

  it('fails a node that runs over nodeTimeoutMs', async () => {
    const graph = chain(node('in', 'input'), node('slow', 'wait', { ms: 5000 }), node('out', 'output'));
    const started = Date.now();
    const outcome = await runWorkflow({ graph, jobId: 'job-t', limits: { nodeTimeoutMs: 100 } });
    expect(Date.now() - started).toBeLessThan(1000);
    expect(outcome.status).toBe('failed');
    expect(outcome.error).toEqual({ nodeId: 'slow', code: 'node_timeout', message: 'node "slow" did not finish within 100 ms' });
  });

  it('replaces an output over maxOutputBytes by a truncated stub and says so', async () => {
    const rec = recorder();
    const graph = chain(node('in', 'input'), node('big', 'edit_fields', { expression: '$pad("", 5000, "x")' }), node('out', 'output', { value: '@big.truncated' }));
    const outcome = await runWorkflow({ graph, jobId: 'job-big', limits: { maxOutputBytes: 1000 }, onEvent: rec.onEvent });
    const finished = rec.events.find((e) => e.type === 'node.finished' && e.nodeId === 'big');
    expect(finished).toMatchObject({ truncated: true, output: { truncated: true, bytes: 5002, limit: 1000 } });
    expect(outcome.nodeStates.big).toMatchObject({ status: 'completed', truncated: true });
    expect(outcome.result.results).toEqual({ out: [true] });
  });

  it('stops and rejects with the error when onEvent throws (the runtime could not persist)', async () => {
    const failure = new Error('postgres is down');
    const ran: string[] = [];
    await expect(
      runWorkflow({
        graph: greetingGraph(),
        input: { name: 'x' },
        jobId: 'job-p',
        onEvent: (e) => {
          ran.push(`${e.type} ${e.nodeId}`);
          if (e.type === 'node.finished' && e.nodeId === 'edit') throw failure;
        },
      }),
    ).rejects.toBe(failure);
    expect(ran).not.toContain('node.started out');
  });

  it('leaves nodes attached to an agent through tools/agents edges to that agent', async () => {
    const graph: WorkflowGraph = {
      nodes: [node('in', 'input'), node('out', 'output', {}, { handles: ['inputs', 'outputs', 'tools'] }), node('tool', 'wait', { ms: 1 }, { handles: ['tool'], isTool: true })],
      edges: [edge('in', 'out'), edge('out', 'tool', 'tools', 'tool')],
    };
    const outcome = await runWorkflow({ graph, input: { a: 1 }, jobId: 'job-tools' });
    expect(outcome.status).toBe('completed');
    expect(outcome.nodeStates.tool).toBeUndefined();
    expect(outcome.result.results).toEqual({ out: [{ a: 1 }] });
  });
});

