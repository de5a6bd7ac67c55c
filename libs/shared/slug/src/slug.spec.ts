import { ApiError } from '@alien/envelope';
import { SLUG_MAX_LENGTH, SLUG_PATTERN, derivedSlugs, orderByRequest, parseBatchQuery, parseId, parseSlug, slugify } from './slug';

function rulesOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ApiError);
    expect((e as ApiError).status).toBe(422);
    return ((e as ApiError).messages ?? []).map((m) => m.rule);
  }
  throw new Error('expected a validation error');
}

describe('parseId', () => {
  it('accepts positive int4 ids', () => {
    expect(parseId('42')).toBe(42);
    expect(parseId('2147483647')).toBe(2147483647);
  });
  it.each([
    ['abc', 'number'],
    ['-1', 'min'],
    ['0', 'min'],
    ['1e9999', 'number'],
    ['1.5', 'number'],
    ['2147483648', 'max'],
    ['', 'number'],
  ])('rejects %p with rule %p', (raw, rule) => {
    expect(rulesOf(() => parseId(raw))).toEqual([rule]);
  });
});

describe('parseSlug', () => {
  it('accepts lower-case slugs with digits, dash and underscore', () => {
    expect(parseSlug('cc-by_4-0')).toBe('cc-by_4-0');
  });
  it('rejects "Bad Slug!" with rule regex and 300 chars with maxLength', () => {
    expect(rulesOf(() => parseSlug('Bad Slug!'))).toEqual(['regex']);
    expect(rulesOf(() => parseSlug('a'.repeat(300)))).toEqual(['maxLength']);
  });
});

describe('parseBatchQuery', () => {
  it('keeps request order and drops duplicates', () => {
    expect(parseBatchQuery({ ids: '3,1,3,2' })).toEqual({ ids: [3, 1, 2] });
    expect(parseBatchQuery({ slugs: 'b,a' })).toEqual({ slugs: ['b', 'a'] });
  });
  it('rejects 101 ids, junk among ids, both or neither list', () => {
    const ids = Array.from({ length: 101 }, (_, i) => i + 1).join(',');
    expect(rulesOf(() => parseBatchQuery({ ids }))).toEqual(['maxLength']);
    expect(rulesOf(() => parseBatchQuery({ ids: '1,abc,-2' }))).toEqual(['number', 'min']);
    expect(rulesOf(() => parseBatchQuery({ ids: '1', slugs: 'a' }))).toEqual(['required']);
    expect(rulesOf(() => parseBatchQuery({}))).toEqual(['required']);
    expect(rulesOf(() => parseBatchQuery({ slugs: 'ok,Not OK' }))).toEqual(['regex']);
  });
});

describe('orderByRequest', () => {
  it('orders rows as requested and omits missing keys', () => {
    const rows = [{ id: 1 }, { id: 2 }];
    expect(orderByRequest([2, 9, 1], rows, (r) => r.id)).toEqual([{ id: 2 }, { id: 1 }]);
  });
});

describe('slugify', () => {
  it('derives a valid slug from a display name', () => {
    expect(slugify('Creative Commons Attribution 4.0')).toBe('creative-commons-attribution-4-0');
    expect(slugify('Ünïcödé  Name!')).toBe('unicode-name');
    expect(slugify('!!!')).toBe('');
  });

  it('transliterates Cyrillic, Greek and Latin letters NFKD cannot decompose', () => {
    expect(slugify('Организация')).toBe('organizatsiya');
    expect(slugify('Київ Лабс')).toBe('kiyiv-labs');
    expect(slugify('Ελληνικά Δεδομένα')).toBe('ellinika-dedomena');
    expect(slugify('Straße Øresund Łódź')).toBe('strasse-oresund-lodz');
  });

  it('has no Latin spelling for CJK or emoji', () => {
    expect(slugify('日本語ラボ')).toBe('');
    expect(slugify('😀😀😀')).toBe('');
  });
});

describe('derivedSlugs', () => {
  it('tries the base, then -2 … -9, then random suffixes — all valid slugs', () => {
    const all = [...derivedSlugs('Acme Research')];
    expect(all.slice(0, 3)).toEqual(['acme-research', 'acme-research-2', 'acme-research-3']);
    expect(all[8]).toBe('acme-research-9');
    expect(all[9]).toMatch(/^acme-research-[a-z2-9]{6}$/);
    for (const slug of all) expect(slug).toMatch(SLUG_PATTERN);
  });

  it('falls back to <prefix>-<random> for names without a Latin spelling, different each time', () => {
    const [a] = derivedSlugs('日本語ラボ', 'org');
    const [b] = derivedSlugs('日本語ラボ', 'org');
    expect(a).toMatch(/^org-[a-z2-9]{6}$/);
    expect(a).not.toBe(b);
  });

  it('keeps suffixed slugs within the length limit', () => {
    for (const slug of derivedSlugs('x'.repeat(300))) expect(slug.length).toBeLessThanOrEqual(SLUG_MAX_LENGTH);
  });
});
