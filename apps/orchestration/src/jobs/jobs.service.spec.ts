import { mergeJobResult } from '@alien/orchestration/contracts';
import { canonicalJson } from './jobs.service';

describe(canonicalJson.name, () => {
  it('is the same for the same body whatever the key order (Idempotency-Key comparisons)', () => {
    expect(canonicalJson({ b: 1, a: { y: [1, { d: 2, c: 3 }], x: null } })).toBe(canonicalJson({ a: { x: null, y: [1, { c: 3, d: 2 }] }, b: 1 }));
    expect(canonicalJson({ a: 1, skip: undefined })).toBe('{"a":1}');
  });

  it('differs when a value differs', () => {
    expect(canonicalJson({ input: { n: 1 } })).not.toBe(canonicalJson({ input: { n: 2 } }));
    expect(canonicalJson([1, 2])).not.toBe(canonicalJson([2, 1]));
  });
});

describe(mergeJobResult.name, () => {
  it('sets results and appends chunks, keeping the stream status current', () => {
    const into = { results: { a: [1] }, stream: { c: { chunks: [1] } } };
    mergeJobResult(into, { results: { b: [2] }, stream: { c: { chunks: [2, 3], status: 'complete' } } });
    expect(into).toEqual({ results: { a: [1], b: [2] }, stream: { c: { chunks: [1, 2, 3], status: 'complete' } } });
  });
});
