import { ApiError } from '@alien/envelope';
import { NotFoundException, ServiceUnavailableException } from '@nestjs/common';
import { Client } from 'pg';
import { toErrorPayload } from './rpc-error.filter';

const ADMIN_URL = process.env['TEST_DATABASE_ADMIN_URL'] || 'postgres://postgres@127.0.0.1:5432/postgres';

/** The error the real Postgres raises for a statement (null when it succeeds). */
async function postgresError(sql: string, params: unknown[] = [], setup?: string): Promise<unknown> {
  const client = new Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    if (setup) await client.query(setup);
    await client.query(sql, params);
    return null;
  } catch (error) {
    return error;
  } finally {
    await client.end();
  }
}

describe(toErrorPayload.name, () => {
  it.each([
    ['a NUL character in text', 'SELECT $1::text', ['a\u0000b'], '22021', undefined],
    ['an int4 out of range', 'SELECT $1::int4', ['2147483648'], '22003', undefined],
    ['text that is not a number', 'SELECT $1::int4', ['abc'], '22P02', undefined],
    ['a string too long for its column', 'INSERT INTO t VALUES ($1)', ['abcdef'], '22001', 'CREATE TEMP TABLE t (v varchar(3))'],
    ['an invalid timestamp', 'SELECT $1::timestamptz', ['2026-13-45'], '22008', undefined],
  ])('Postgres refusing a value (%s) → 400 invalid_value, not 500', async (_what, sql, params, sqlState, setup) => {
    const error = await postgresError(sql, params, setup);
    expect((error as { code?: string } | null)?.code).toBe(sqlState);
    const logged: unknown[] = [];
    expect(toErrorPayload(error, (e) => logged.push(e))).toEqual({
      status: 400,
      code: 'invalid_value',
      message: 'A value in the request was rejected as invalid',
    });
    // Logged: a value got past validation at the edge, and someone should add the check.
    expect(logged).toEqual([error]);
  });

  it('an unreachable database → 503 database_unavailable', async () => {
    const client = new Client({ connectionString: 'postgres://postgres@127.0.0.1:1/postgres', connectionTimeoutMillis: 1_000 });
    const error = await client.connect().then(
      () => null,
      (e: unknown) => e,
    );
    expect(toErrorPayload(error)).toMatchObject({ status: 503, code: 'database_unavailable' });
  });

  it('a syntax error (our bug, not the input) stays a 500 with no details, and is logged', async () => {
    const error = await postgresError('SELEC 1');
    const logged: unknown[] = [];
    expect(toErrorPayload(error, (e) => logged.push(e))).toEqual({ status: 500, code: 'internal', message: 'Internal server error' });
    expect(logged).toEqual([error]);
  });

  it('typed errors keep their status and code; Nest HTTP exceptions keep their status', () => {
    expect(toErrorPayload(ApiError.notFound('Tag not found'))).toEqual({ status: 404, code: 'not_found', message: 'Tag not found' });
    expect(toErrorPayload(new NotFoundException('nope'))).toMatchObject({ status: 404, message: 'nope' });
    expect(toErrorPayload(new ServiceUnavailableException())).toMatchObject({ status: 503 });
  });
});
