import { runOne } from '../spec-helpers';

describe('http_response node', () => {
  it('answers {results: {data, …params}} with data from an expression', async () => {
    const { output, outcome } = await runOne('http_response', { data: '@in', session_id: '@in.session_id' }, { input: { answer: 'hi', session_id: 's-1' } });
    expect(output).toEqual({ results: { data: { answer: 'hi', session_id: 's-1' }, session_id: 's-1' } });
    expect(outcome.result.results).toEqual({ n: [output] });
  });

  it('answers its input when data is not set', async () => {
    const { output } = await runOne('http_response', {}, { input: { x: 1 } });
    expect(output).toEqual({ results: { data: { x: 1 } } });
  });
});
