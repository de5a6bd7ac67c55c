import type { RunEvent } from '../events';
import type { WorkflowGraph } from '../graph';
import { runWorkflow } from '../run';
import { edge, node, runOne } from '../spec-helpers';
import { validateGraph } from '../validate';

/** in → check → (true) yes → merge ; (false) no → merge */
function branching(check: Record<string, unknown>): WorkflowGraph {
  return {
    nodes: [
      node('in', 'input', {}, { isInput: true }),
      node('check', 'condition', check),
      node('yes', 'edit_fields', { expression: '"big: " & $string(n)' }),
      node('no', 'edit_fields', { expression: '"small: " & $string(n)' }),
      node('after-no', 'output'),
      node('merge', 'output'),
    ],
    edges: [
      edge('in', 'check'),
      edge('check', 'yes', 'true'),
      edge('check', 'no', 'false'),
      edge('no', 'after-no'),
      edge('yes', 'merge'),
      edge('no', 'merge'),
    ],
  };
}

async function run(graph: WorkflowGraph, input: unknown) {
  const events: RunEvent[] = [];
  const outcome = await runWorkflow({ graph, input, jobId: 'job-c', onEvent: (e) => void events.push(e) });
  return { outcome, events };
}

describe('condition node', () => {
  it('runs only the taken branch; the other one and what only it feeds are skipped; a merge still runs', async () => {
    const { outcome, events } = await run(branching({ value: '@in.n', operator: 'gt', compareTo: 10 }), { n: 42 });
    expect(outcome.status).toBe('completed');
    expect(outcome.nodeStates.yes.status).toBe('completed');
    expect(outcome.nodeStates.no).toEqual({ status: 'skipped', skipReason: 'branch_not_taken' });
    expect(outcome.nodeStates['after-no']).toEqual({ status: 'skipped', skipReason: 'upstream_skipped' });
    expect(outcome.result.results).toEqual({ merge: ['big: 42'] });
    expect(events.find((e) => e.type === 'node.finished' && e.nodeId === 'check')).toMatchObject({ branches: ['true'], output: { n: 42 } });
    expect(events.filter((e) => e.type === 'node.skipped').map((e) => e.nodeId)).toEqual(['no', 'after-no']);
  });

  it('takes the false branch', async () => {
    const { outcome } = await run(branching({ value: '@in.n', operator: 'gt', compareTo: 10 }), { n: 3 });
    expect(outcome.result.results).toEqual({ 'after-no': ['small: 3'], merge: ['small: 3'] });
    expect(outcome.nodeStates.yes.status).toBe('skipped');
  });

  it('is valid at save time with only an expression as its value', () => {
    expect(validateGraph(branching({ value: '@in.flag' }))).toEqual([]);
  });

  it('evaluates a JSONata expression over its input', async () => {
    const { outcome } = await run(branching({ expression: 'n > 10 and $contains(tag, "x")' }), { n: 11, tag: 'xyz' });
    expect(outcome.nodeStates.check.branches).toEqual(['true']);
  });

  it.each([
    [{ value: 'Hello world', operator: 'contains', compareTo: 'world' }, 'true'],
    [{ value: ['a', 'b'], operator: 'contains', compareTo: 'c' }, 'false'],
    [{ value: '5', operator: 'equals', compareTo: 5 }, 'true'],
    [{ value: null, operator: 'exists' }, 'false'],
    [{ value: [], operator: 'isEmpty' }, 'true'],
    [{ value: 'abc', operator: 'startsWith', compareTo: 'ab' }, 'true'],
    [{ value: 'yes' }, 'true'],
    [{ value: '@in.absent' }, 'false'],
    [{ value: '@in.absent', operator: 'notExists' }, 'true'],
  ])('%j → %s', async (params, branch) => {
    const { state } = await runOne('condition', params);
    expect(state?.branches).toEqual([branch]);
  });
});
