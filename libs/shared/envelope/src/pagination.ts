import { ApiError } from './api-error';
import { ValidationMessage } from './envelope';

export const DEFAULT_PER_PAGE = 20;
export const MAX_PER_PAGE = 100;

export type Direction = 'asc' | 'desc';

export interface PageQuery<O extends string = string> {
  page: number;
  perPage: number;
  orderBy: O;
  direction: Direction;
}

export interface PageQueryRules<O extends string> {
  orderBy: readonly O[];
  defaultOrderBy: O;
  defaultDirection?: Direction;
}

const INTEGER = /^[0-9]{1,9}$/;

function intParam(
  raw: unknown,
  field: string,
  fallback: number,
  min: number,
  max: number,
  out: ValidationMessage[],
): number {
  if (raw === undefined || raw === '') return fallback;
  if (typeof raw !== 'string' || !INTEGER.test(raw)) {
    // "-1" fails the pattern, but the user meant a number: say which bound it broke.
    const rule = typeof raw === 'string' && /^-[0-9]+$/.test(raw) ? 'min' : 'number';
    out.push({
      field,
      rule,
      message: rule === 'min' ? `${field} must be at least ${min}` : `${field} must be an integer`,
    });
    return fallback;
  }
  const value = Number(raw);
  if (value < min) out.push({ field, rule: 'min', message: `${field} must be at least ${min}` });
  else if (value > max) out.push({ field, rule: 'max', message: `${field} must be at most ${max}` });
  return value;
}

/**
 * Parses `page`, `perPage`, `orderBy`, `direction` from a query string object.
 * Throws a 422 ApiError listing every bad parameter at once.
 */
export function parsePageQuery<O extends string>(
  query: Record<string, unknown>,
  rules: PageQueryRules<O>,
): PageQuery<O> {
  const messages: ValidationMessage[] = [];
  const page = intParam(query['page'], 'page', 1, 1, 1_000_000, messages);
  const perPage = intParam(query['perPage'], 'perPage', DEFAULT_PER_PAGE, 1, MAX_PER_PAGE, messages);

  let orderBy = rules.defaultOrderBy;
  const rawOrder = query['orderBy'];
  if (rawOrder !== undefined && rawOrder !== '') {
    if (typeof rawOrder === 'string' && (rules.orderBy as readonly string[]).includes(rawOrder)) {
      orderBy = rawOrder as O;
    } else {
      messages.push({
        field: 'orderBy',
        rule: 'enum',
        message: `orderBy must be one of: ${rules.orderBy.join(', ')}`,
      });
    }
  }

  let direction: Direction = rules.defaultDirection ?? 'asc';
  const rawDirection = query['direction'];
  if (rawDirection !== undefined && rawDirection !== '') {
    if (rawDirection === 'asc' || rawDirection === 'desc') direction = rawDirection;
    else messages.push({ field: 'direction', rule: 'enum', message: 'direction must be one of: asc, desc' });
  }

  if (messages.length) throw ApiError.validation(messages);
  return { page, perPage, orderBy, direction };
}

export const MAX_SEARCH_LENGTH = 200;

/** Optional free-text search parameter `q`: trimmed, bounded, undefined when blank. */
export function parseSearch(raw: unknown, field = 'q'): string | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw !== 'string') throw ApiError.invalid(field, 'string', `${field} must be a single string`);
  const q = raw.trim();
  if (q.length > MAX_SEARCH_LENGTH) {
    throw ApiError.invalid(field, 'maxLength', `${field} must be at most ${MAX_SEARCH_LENGTH} characters`);
  }
  return q === '' ? undefined : q;
}
