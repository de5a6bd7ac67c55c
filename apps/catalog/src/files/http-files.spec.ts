import { contentDisposition, etagOf, ifNoneMatchHits, ifRangeHolds, parseRange } from './http-files';

describe(parseRange.name, () => {
  it.each([
    [undefined, 100, { kind: 'full' }],
    ['bytes=0-9', 100, { kind: 'partial', start: 0, end: 9 }],
    ['bytes=90-', 100, { kind: 'partial', start: 90, end: 99 }],
    ['bytes=90-500', 100, { kind: 'partial', start: 90, end: 99 }],
    ['bytes=-10', 100, { kind: 'partial', start: 90, end: 99 }],
    ['bytes=-500', 100, { kind: 'partial', start: 0, end: 99 }],
    ['bytes=99-99', 100, { kind: 'partial', start: 99, end: 99 }],
    ['bytes=100-', 100, { kind: 'unsatisfiable' }],
    ['bytes=999999-', 100, { kind: 'unsatisfiable' }],
    ['bytes=-0', 100, { kind: 'unsatisfiable' }],
    ['bytes=0-', 0, { kind: 'unsatisfiable' }],
    ['bytes=5-2', 100, { kind: 'full' }],
    ['bytes=0-1,5-6', 100, { kind: 'full' }],
    ['items=0-1', 100, { kind: 'full' }],
    ['bytes=abc', 100, { kind: 'full' }],
  ] as const)('%j of %d bytes → %j', (header, size, expected) => {
    expect(parseRange(header, size)).toEqual(expected);
  });
});

describe('entity tags', () => {
  const tag = etagOf('ab'.repeat(32));
  it('If-None-Match hits on the same tag, a weak copy of it, a list holding it, and *', () => {
    expect(ifNoneMatchHits(tag, tag)).toBe(true);
    expect(ifNoneMatchHits(`W/${tag}`, tag)).toBe(true);
    expect(ifNoneMatchHits(`"x", ${tag}`, tag)).toBe(true);
    expect(ifNoneMatchHits('*', tag)).toBe(true);
    expect(ifNoneMatchHits('"x"', tag)).toBe(false);
    expect(ifNoneMatchHits(undefined, tag)).toBe(false);
  });
  it('If-Range keeps the range only for our exact tag', () => {
    expect(ifRangeHolds(undefined, tag)).toBe(true);
    expect(ifRangeHolds(tag, tag)).toBe(true);
    expect(ifRangeHolds('"other"', tag)).toBe(false);
    expect(ifRangeHolds('Wed, 21 Oct 2015 07:28:00 GMT', tag)).toBe(false);
  });
});

describe(contentDisposition.name, () => {
  it('never lets quotes, control characters or non-ASCII into the header raw', () => {
    expect(contentDisposition('report.pdf')).toBe(`attachment; filename="report.pdf"; filename*=UTF-8''report.pdf`);
    const tricky = contentDisposition('a"b\\c\r\nSet-Cookie: x=1;résumé.pdf');
    expect(tricky).not.toMatch(/[\r\n]/);
    expect(tricky).toMatch(/^attachment; filename="a_b_c__Set-Cookie: x=1_r_sum_.pdf"; filename\*=UTF-8''a%22b%5Cc%0D%0ASet-Cookie%3A%20x%3D1%3Br%C3%A9sum%C3%A9.pdf$/);
    expect(contentDisposition('')).toMatch(/filename="download"/);
  });
});
