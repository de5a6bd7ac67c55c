/**
 * `npm run cli -- <command> …`: the auth admin CLI (create-user, issue-token, grant-platform-admin,
 * seed-demo) on the database `npm start` uses — DATABASE_URL, else the one a running `npm start`
 * noted in .data/database-url (the embedded Postgres included), else the local server's `alien`.
 */
import { distPath, workspaceRoot } from '@alien/testing';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import { databaseUrlFile, ensureDatabase, resolvePostgres } from './environment';

const dataDir = path.join(workspaceRoot(), '.data');

async function reachable(url: string): Promise<boolean> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 1_500 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function databaseUrl(): Promise<{ url: string; stop?: () => Promise<void> }> {
  const explicit = process.env['DATABASE_URL'];
  if (explicit) return { url: explicit };
  const noted = databaseUrlFile(dataDir);
  if (existsSync(noted)) {
    const url = readFileSync(noted, 'utf8').trim();
    if (await reachable(url)) return { url };
  }
  // Nothing running: find (or start, for the length of this command) Postgres the way npm start does.
  const pg = await resolvePostgres(dataDir, (line) => process.stderr.write(`${line}\n`));
  return { url: await ensureDatabase(pg.url, 'alien'), stop: pg.stop };
}

async function main(): Promise<number> {
  const db = await databaseUrl();
  try {
    const child = spawn(process.execPath, [distPath('apps', 'auth', 'src', 'cli.js'), ...process.argv.slice(2)], {
      stdio: 'inherit',
      env: { ...process.env, DATABASE_URL: db.url },
    });
    return await new Promise<number>((resolve) => child.once('exit', (code) => resolve(code ?? 1)));
  } finally {
    await db.stop?.();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`cli: ${(error as Error).message}\n`);
    process.exit(1);
  },
);
