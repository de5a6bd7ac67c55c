import { ApiError, ValidationMessage } from '@alien/envelope';
import { randomBytes } from 'node:crypto';
import { transliterate } from './transliterate';

export const SLUG_PATTERN = /^[a-z0-9_-]+$/;
export const SLUG_MAX_LENGTH = 100;
/** Resource ids are Postgres `integer` identities. */
export const MAX_ID = 2_147_483_647;
export const MAX_BATCH = 100;

export function slugError(field: string, value: unknown): ValidationMessage | null {
  if (typeof value !== 'string' || value.length === 0) {
    return { field, rule: 'required', message: `${field} is required` };
  }
  if (value.length > SLUG_MAX_LENGTH) {
    return { field, rule: 'maxLength', message: `${field} must be at most ${SLUG_MAX_LENGTH} characters` };
  }
  if (!SLUG_PATTERN.test(value)) {
    return { field, rule: 'regex', message: `${field} must match ${SLUG_PATTERN.source}` };
  }
  return null;
}

export function idError(field: string, value: unknown): ValidationMessage | null {
  if (typeof value !== 'string' || !/^[0-9]+$/.test(value)) {
    if (typeof value === 'string' && /^-[0-9]+$/.test(value)) {
      return { field, rule: 'min', message: `${field} must be a positive integer` };
    }
    return { field, rule: 'number', message: `${field} must be a positive integer` };
  }
  const n = Number(value);
  if (n < 1) return { field, rule: 'min', message: `${field} must be a positive integer` };
  if (n > MAX_ID) return { field, rule: 'max', message: `${field} must be at most ${MAX_ID}` };
  return null;
}

/** Parses a path id; 422 `number`/`min`/`max` when it is not a positive int4. */
export function parseId(value: unknown, field = 'id'): number {
  const error = idError(field, value);
  if (error) throw ApiError.validation([error]);
  return Number(value);
}

/** Validates a path slug; 422 rule `regex` when it does not match `^[a-z0-9_-]+$`. */
export function parseSlug(value: unknown, field = 'slug'): string {
  const error = slugError(field, value);
  if (error) throw ApiError.validation([error]);
  return value as string;
}

export type IdOrSlug = { id: number } | { slug: string };

export type BatchQuery = { ids: number[] } | { slugs: string[] };

function splitList(raw: unknown, field: string): string[] {
  // `?ids=1,2&ids=3` arrives as an array from some parsers: accept both spellings.
  const parts = (Array.isArray(raw) ? raw : [raw]).flatMap((v) => String(v).split(','));
  const items = parts.map((s) => s.trim()).filter((s) => s !== '');
  if (items.length === 0) throw ApiError.invalid(field, 'required', `${field} must list at least one value`);
  if (items.length > MAX_BATCH) {
    throw ApiError.invalid(field, 'maxLength', `${field} accepts at most ${MAX_BATCH} values`);
  }
  return items;
}

/**
 * Parses `?ids=1,2,3` or `?slugs=a,b`: exactly one of them, at most 100 values, each valid.
 * Duplicates collapse to their first occurrence so request order is kept.
 */
export function parseBatchQuery(query: Record<string, unknown>): BatchQuery {
  const hasIds = query['ids'] !== undefined;
  const hasSlugs = query['slugs'] !== undefined;
  if (hasIds === hasSlugs) {
    throw ApiError.invalid(hasIds ? 'slugs' : 'ids', 'required', 'Give exactly one of ids or slugs');
  }
  const field = hasIds ? 'ids' : 'slugs';
  const items = splitList(query[field], field);
  const messages: ValidationMessage[] = [];
  items.forEach((item, index) => {
    const error = hasIds ? idError(`${field}.${index}`, item) : slugError(`${field}.${index}`, item);
    if (error) messages.push(error);
  });
  if (messages.length) throw ApiError.validation(messages);
  const unique = [...new Set(items)];
  return hasIds ? { ids: unique.map(Number) } : { slugs: unique };
}

/** Orders rows by the requested keys, omitting keys with no row (batch semantics). */
export function orderByRequest<T, K>(keys: readonly K[], rows: readonly T[], keyOf: (row: T) => K): T[] {
  const byKey = new Map(rows.map((row) => [keyOf(row), row]));
  return keys.flatMap((key) => {
    const row = byKey.get(key);
    return row === undefined ? [] : [row];
  });
}

/**
 * Lower-case, ASCII, dash-separated slug from a display name ("Creative Commons 4.0" →
 * "creative-commons-4-0", "Организация" → "organizatsiya"). Empty when nothing of the name has a Latin
 * spelling (CJK, emoji): derivedSlugs() then falls back to a random suffix.
 */
export function slugify(name: string): string {
  return transliterate(name)
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^a-z0-9_]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, SLUG_MAX_LENGTH)
    .replace(/-+$/g, '');
}

const RANDOM_ALPHABET = 'abcdefghijkmnpqrstuvwxyz23456789';

function randomSuffix(length = 6): string {
  const bytes = randomBytes(length);
  let out = '';
  for (const b of bytes) out += RANDOM_ALPHABET[b % RANDOM_ALPHABET.length];
  return out;
}

/**
 * The slugs to try, in order, for a resource named `name` when the client did not choose one:
 * `base`, `base-2` … `base-9`, then `base-<random>` (twice). A name with no Latin spelling gets
 * `<fallback>-<random>`. Never a slug that can clash platform-wide for everyone after the first.
 */
export function* derivedSlugs(name: string, fallback = 'item'): Generator<string> {
  const base = slugify(name);
  if (!base) {
    for (let i = 0; i < 3; i++) yield `${fallback}-${randomSuffix()}`;
    return;
  }
  yield base;
  const room = (suffix: string) => `${base.slice(0, SLUG_MAX_LENGTH - suffix.length).replace(/-+$/g, '')}${suffix}`;
  for (let n = 2; n <= 9; n++) yield room(`-${n}`);
  for (let i = 0; i < 2; i++) yield room(`-${randomSuffix()}`);
}
