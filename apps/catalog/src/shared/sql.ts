import { Direction } from '@alien/envelope';

/** Collects positional parameters while a query is assembled: `where.push(\`x = ${q.p(value)}\`)`. */
export class SqlParams {
  readonly values: unknown[] = [];

  p(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

export function sqlDirection(direction: Direction): 'ASC' | 'DESC' {
  return direction === 'desc' ? 'DESC' : 'ASC';
}

/** Escapes LIKE wildcards so user text matches literally. */
export function containsPattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

export function iso(value: Date | string): string {
  return (value instanceof Date ? value : new Date(value)).toISOString();
}

/** Postgres numeric/bigint come back as strings. */
export function toNumber(value: string | number | null): number | null {
  return value === null ? null : Number(value);
}

/** Reorders rows by the ids asked for, dropping ids without a row. */
export function inOrder<T extends { id: number }>(ids: readonly number[], rows: readonly T[]): T[] {
  const byId = new Map(rows.map((r) => [r.id, r]));
  return ids.flatMap((id) => {
    const row = byId.get(id);
    return row ? [row] : [];
  });
}

/**
 * Rows of a statement with RETURNING. TypeORM answers UPDATE and DELETE with `[rows, rowCount]` and
 * everything else with the rows; this gives the rows either way.
 */
export async function returning<T>(m: { query(sql: string, params?: unknown[]): Promise<unknown> }, sql: string, params: unknown[] = []): Promise<T[]> {
  const result = await m.query(sql, params);
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') return result[0] as T[];
  return result as T[];
}
