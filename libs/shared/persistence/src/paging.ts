import { Page, PageQuery } from '@alien/envelope';
import { ObjectLiteral, SelectQueryBuilder } from 'typeorm';

/**
 * Runs a page query on a query builder: ORDER BY the whitelisted column (mapped by the caller),
 * then id as a tie-breaker so pages are stable.
 */
export async function findPage<T extends ObjectLiteral, R>(
  qb: SelectQueryBuilder<T>,
  query: PageQuery,
  columns: Record<string, string>,
  map: (row: T) => R,
): Promise<Page<R>> {
  const alias = qb.alias;
  const column = columns[query.orderBy];
  if (!column) throw new Error(`orderBy ${query.orderBy} is not mapped to a column`);
  const direction = query.direction === 'desc' ? 'DESC' : 'ASC';
  qb.orderBy(`${alias}.${column}`, direction);
  if (column !== 'id') qb.addOrderBy(`${alias}.id`, direction);
  qb.skip((query.page - 1) * query.perPage).take(query.perPage);
  const [rows, total] = await qb.getManyAndCount();
  return { items: rows.map(map), total, page: query.page, perPage: query.perPage };
}

/** Escapes LIKE wildcards so user text matches literally (`50%_off` finds "50%_off", not everything). */
export function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
