import type { WorkflowGraph } from '../graph';
import { runWorkflow } from '../run';
import { edge, node, runOne } from '../spec-helpers';

describe('aggregate node', () => {
  const hits = [
    { id: 1, score: 0.5, tags: ['a'] },
    { id: 2, score: 0.9, tags: ['b', 'c'] },
    { id: 3, score: 0.2, tags: ['a'] },
  ];

  it.each([
    ['collect', { field: 'id' }, [1, 2, 3]],
    ['sum', { field: 'score' }, 1.6],
    ['avg', { field: 'score' }, 1.6 / 3],
    ['min', { field: 'score' }, 0.2],
    ['max', { field: 'score' }, 0.9],
    ['count', {}, 3],
    ['concat', { field: 'tags' }, ['a', 'b', 'c', 'a']],
    ['join', { field: 'id', separator: '|' }, '1|2|3'],
  ])('%s over an array from an expression', async (operation, extra, expected) => {
    const { output } = await runOne('aggregate', { items: '@in.hits', operation, ...extra }, { input: { hits } });
    if (typeof expected === 'number') expect(output).toBeCloseTo(expected);
    else expect(output).toEqual(expected);
  });

  it('unique and merge', async () => {
    expect((await runOne('aggregate', { items: '@in.v', operation: 'unique' }, { input: { v: [1, 'a', 1, { x: 1 }, { x: 1 }] } })).output).toEqual([1, 'a', { x: 1 }]);
    expect((await runOne('aggregate', { items: '@in.v', operation: 'merge' }, { input: { v: [{ a: 1 }, { b: 2 }, { a: 3 }] } })).output).toEqual({ a: 3, b: 2 });
  });

  it('combines the outputs of several upstream nodes by default', async () => {
    const graph: WorkflowGraph = {
      nodes: [
        node('in', 'input'),
        node('a', 'edit_fields', { expression: '{"part": "a"}' }),
        node('b', 'edit_fields', { expression: '{"part": "b"}' }),
        node('all', 'aggregate', { field: 'part' }),
      ],
      edges: [edge('in', 'a'), edge('in', 'b'), edge('a', 'all'), edge('b', 'all')],
    };
    const outcome = await runWorkflow({ graph, input: {}, jobId: 'job-a' });
    expect(outcome.result.results).toEqual({ all: [['a', 'b']] });
  });
});
