import type { RunEvent } from './events';
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
});
