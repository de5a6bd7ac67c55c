import { runWorkflow } from '../run';
import { chain, node, runOne } from '../spec-helpers';

describe('edit_fields node', () => {
  it('sets fields computed with JSONata over the input, keeping the input', async () => {
    const { output } = await runOne(
      'edit_fields',
      { fields: { total: '$sum(items.price)', count: '$count(items)', first: 'items[0].name' } },
      { input: { items: [{ name: 'a', price: 2 }, { name: 'b', price: 3.5 }] } },
    );
    expect(output).toEqual({ items: [{ name: 'a', price: 2 }, { name: 'b', price: 3.5 }], total: 5.5, count: 2, first: 'a' });
  });

  it('starts from an empty object with keepInput: false, and drops fields that evaluate to nothing', async () => {
    const { output } = await runOne('edit_fields', { fields: { name: 'name', missing: 'nothing.here' }, keepInput: false }, { input: { name: 'x', other: 1 } });
    expect(output).toEqual({ name: 'x' });
  });

  it('outputs the result of a whole expression, with $input, $nodes and $context bound', async () => {
    const graph = chain(
      node('in', 'input', {}, { isInput: true }),
      node('first', 'edit_fields', { expression: '{"upper": $uppercase(word)}' }),
      node('second', 'edit_fields', { expression: '[upper, $input.word, $nodes.first.upper, $context.jobId]' }),
      node('out', 'output'),
    );
    const outcome = await runWorkflow({ graph, input: { word: 'hi' }, jobId: 'job-e' });
    expect(outcome.result.results.out).toEqual([['HI', 'hi', 'HI', 'job-e']]);
  });

  it('fails with a typed error when JSONata throws', async () => {
    const { error } = await runOne('edit_fields', { expression: '$number("abc") + 1' }, { input: {} });
    expect(error).toMatchObject({ nodeId: 'n', code: 'expression_error', message: expect.stringContaining('params.expression failed') });
  });
});
