import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

export const DEFAULT_ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

/** Admin connection for creating test databases: TEST_DATABASE_ADMIN_URL, else local trust auth. */
export function adminUrl(): string {
  return process.env['TEST_DATABASE_ADMIN_URL'] || DEFAULT_ADMIN_URL;
}

export function uniqueName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
}

export function databaseUrl(admin: string, database: string): string {
  const url = new URL(admin);
  url.pathname = `/${database}`;
  return url.toString();
}

async function withAdmin<T>(admin: string, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: admin, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Creates a fresh database and returns its URL. */
export async function createDatabase(name: string, admin = adminUrl()): Promise<string> {
  if (!/^[a-z0-9_]+$/.test(name)) throw new Error(`bad database name ${name}`);
  await withAdmin(admin, (c) => c.query(`CREATE DATABASE "${name}"`));
  return databaseUrl(admin, name);
}

export async function dropDatabase(name: string, admin = adminUrl()): Promise<void> {
  await withAdmin(admin, (c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
}

/** Runs one query on a database URL (for assertions on what was stored). */
export async function query<T = Record<string, unknown>>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as T[];
  } finally {
    await client.end();
  }
}
