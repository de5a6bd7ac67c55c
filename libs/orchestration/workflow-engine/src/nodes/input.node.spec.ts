import { runWorkflow } from '../run';
import { chain, node } from '../spec-helpers';

describe('input node', () => {
  it('outputs the run input over its params, with schema.input defaults', async () => {
    const graph = chain(
      node('in', 'input', { lang: 'en', user_prompt: '' }, { schema: { input: { type: 'object', properties: { streaming: { type: 'boolean', default: true } } } } }),
      node('out', 'output'),
    );
    const outcome = await runWorkflow({ graph, input: { user_prompt: 'hello' }, jobId: 'j' });
    expect(outcome.result.results.out).toEqual([{ lang: 'en', user_prompt: 'hello', streaming: true }]);
  });

  it('fails with invalid_input naming the field when the input does not match schema.input', async () => {
    const graph = chain(
      node('in', 'input', {}, { isInput: true, schema: { input: { type: 'object', required: ['user_prompt'], properties: { user_prompt: { type: 'string' } } } } }),
      node('out', 'output'),
    );
    const outcome = await runWorkflow({ graph, input: { other: 1 }, jobId: 'j' });
    expect(outcome.status).toBe('failed');
    expect(outcome.error).toMatchObject({
      nodeId: 'in',
      code: 'invalid_input',
      issues: [{ field: 'input.user_prompt', rule: 'required', message: 'input.user_prompt is required' }],
    });
  });

  it('passes a non-object input through as is', async () => {
    const outcome = await runWorkflow({ graph: chain(node('in', 'input'), node('out', 'output')), input: 'plain text', jobId: 'j' });
    expect(outcome.result.results.out).toEqual(['plain text']);
  });
});
