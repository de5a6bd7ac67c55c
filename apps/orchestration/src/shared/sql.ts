import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Pool, PoolClient } from 'pg';
import { DataSource } from 'typeorm';

/** Runs SQL: `q(text, params)` resolves with the rows. */
export type Query = <T = Record<string, unknown>>(text: string, params?: unknown[]) => Promise<T[]>;

/**
 * Plain SQL on the DataSource's own pg pool (the job hot path runs a dozen statements per run; the
 * ORM layer adds nothing there). Same pool, same limits and timeouts as the DataSource.
 */
@Injectable()
export class Sql {
  private readonly pool: Pool;

  constructor(@InjectDataSource() db: DataSource) {
    this.pool = (db.driver as unknown as { master: Pool }).master;
  }

  readonly query: Query = async <T>(text: string, params?: unknown[]) => (await this.pool.query(text, params)).rows as T[];

  /**
   * A named (prepared) statement for the per-run hot path: each pooled connection parses and plans it
   * once, later calls only bind and execute. `name` must always go with the same `text`.
   */
  prepared = async <T = Record<string, unknown>>(name: string, text: string, params: unknown[]): Promise<T[]> =>
    (await this.pool.query({ name, text, values: params })).rows as T[];

  /** Runs `fn` in one transaction (READ COMMITTED); rolls back when it throws. */
  async tx<T>(fn: (q: Query) => Promise<T>): Promise<T> {
    const client: PoolClient = await this.pool.connect();
    const q: Query = async <R>(text: string, params?: unknown[]) => (await client.query(text, params)).rows as R[];
    try {
      await client.query('BEGIN');
      const result = await fn(q);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }
}
