import type { WorkflowGraph } from '../graph';
import { runWorkflow } from '../run';
import { edge, node, runOne } from '../spec-helpers';

describe('output node', () => {
  it('outputs its value param, else its params, else its input', async () => {
    expect((await runOne('output', { value: '@in.a' }, { input: { a: [1] } })).output).toEqual([1]);
    expect((await runOne('output', { answer: '@in.a', session_id: 's' }, { input: { a: 'x' } })).output).toEqual({ answer: 'x', session_id: 's' });
    expect((await runOne('output', {}, { input: { a: 1 } })).output).toEqual({ a: 1 });
  });

  it('keys several inputs by node id', async () => {
    const graph: WorkflowGraph = {
      nodes: [node('in', 'input'), node('x', 'edit_fields', { expression: '1' }), node('y', 'edit_fields', { expression: '2' }), node('out', 'output')],
      edges: [edge('in', 'x'), edge('in', 'y'), edge('x', 'out'), edge('y', 'out')],
    };
    expect((await runWorkflow({ graph, jobId: 'j' })).result.results).toEqual({ out: [{ x: 1, y: 2 }] });
  });
});
