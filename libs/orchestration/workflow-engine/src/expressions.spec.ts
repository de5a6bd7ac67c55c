import { readPathValue, resolveDeep, resolveString, scanExpression, type ExpressionScope } from './expressions';

const outputs: Record<string, unknown> = {
  'httpRequest-0': { user_prompt: 'hi', session_id: 's-1', nested: { list: [{ name: 'first' }, { name: 'second' }] } },
  'aiAgent-1': { answer: { content: 'yes' }, sessionId: 'camel' },
  'a-1-b': 'dashed',
};
const scope: ExpressionScope = {
  nodeIds: new Set([...Object.keys(outputs), 'a']),
  output: (id) => outputs[id],
  input: { raw: true },
  context: { jobId: 'job-9' },
};

describe('expressions', () => {
  it('resolves a whole reference to the value itself, of any type', () => {
    expect(resolveString('@aiAgent-1', scope)).toEqual({ answer: { content: 'yes' }, sessionId: 'camel' });
    expect(resolveString('@httpRequest-0.nested.list[1].name', scope)).toBe('second');
    expect(resolveString('  @httpRequest-0.nested.list  ', scope)).toHaveLength(2);
    expect(resolveString('{{ @aiAgent-1.answer }}', scope)).toEqual({ content: 'yes' });
    expect(resolveString('@httpRequest-0["user_prompt"]', scope)).toBe('hi');
  });

  it('interpolates references inside text, objects as JSON', () => {
    expect(resolveString('Q: @httpRequest-0.user_prompt (session @httpRequest-0.session_id)', scope)).toBe('Q: hi (session s-1)');
    expect(resolveString('answer={{ @aiAgent-1.answer }}', scope)).toBe('answer={"content":"yes"}');
    expect(resolveString('{{ $input.raw }} for {{ $context.jobId }}', scope)).toBe('true for job-9');
  });

  it('falls back between snake_case and camelCase', () => {
    expect(resolveString('@aiAgent-1.session_id', scope)).toBe('camel');
    expect(resolveString('@httpRequest-0.sessionId', scope)).toBe('s-1');
  });

  it('matches the longest node id, and leaves e-mail addresses and unknown ids alone', () => {
    expect(resolveString('@a-1-b', scope)).toBe('dashed');
    expect(resolveString('mail ada@aiAgent-1.example', scope)).toBe('mail ada@aiAgent-1.example');
    expect(resolveString('@nobody.x', scope)).toBe('@nobody.x');
    expect(scanExpression('@nobody.x and @a', scope.nodeIds).unknown).toEqual([{ text: '@nobody', start: 0 }]);
  });

  it('resolves missing fields to undefined and walks objects and arrays', () => {
    expect(resolveString('@httpRequest-0.missing.deep', scope)).toBeUndefined();
    expect(resolveDeep({ a: ['@httpRequest-0.user_prompt', 1], b: { c: '@a-1-b' } }, scope)).toEqual({ a: ['hi', 1], b: { c: 'dashed' } });
  });

  it('reads only whole-string references when not an expression (bare values)', () => {
    expect(resolveString('@httpRequest-0.user_prompt', scope, false)).toBe('hi');
    expect(resolveString('say @httpRequest-0.user_prompt', scope, false)).toBe('say @httpRequest-0.user_prompt');
  });

  it('reads paths', () => {
    expect(readPathValue({ a: [{ b: 1 }] }, ['a', 0, 'b'])).toBe(1);
    expect(readPathValue([1, 2, 3], ['length'])).toBe(3);
    expect(readPathValue(null, ['a'])).toBeUndefined();
  });
});
