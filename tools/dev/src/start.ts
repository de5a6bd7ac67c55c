/**
 * `npm start`: the whole platform on one machine, like production (one process per app).
 * Finds Postgres and NATS (or starts embedded ones under .data/), migrates every service's schema
 * (only when a migration is pending), seeds a demo organization with a platform admin and an API
 * token (once: the token is reused across restarts), starts the four services and the gateway side by
 * side, prints what to try, and stops everything in order on Ctrl-C.
 */
import { generateAssertionKeySpec } from '@alien/identity-assertion';
import { generateKeyRingSpec } from '@alien/secrets';
import { SERVICE_APPS, StartedProcess, authCli, distPath, migrateAll, startProcess, workspaceRoot } from '@alien/testing';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Resolved, databaseUrlFile, demoTokenStillValid, ensureDatabase, pendingMigrations, portsInUse, resolveNats, resolvePostgres } from './environment';

const root = workspaceRoot();
const dataDir = path.join(root, '.data');
const logDir = path.join(dataDir, 'logs');
const say = (line = '') => process.stdout.write(`${line}\n`);
const HEALTH_PORTS = { auth: 3401, catalog: 3402, orchestration: 3403, proxy: 3404 } as const;

/** The database URL as printed: a password is shown only for the embedded server's fixed dev login. */
function printable(url: string): string {
  const u = new URL(url);
  if (u.password && u.password !== 'postgres') u.password = '***';
  return u.toString();
}

/**
 * A development secret kept under .data/ (git-ignored) so it survives restarts: data sealed with the
 * key ring stays readable, and clusters keep verifying assertions against the same keys.
 */
function devSecret(name: string, generate: () => string): string {
  const file = path.join(dataDir, name);
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const value = generate();
  writeFileSync(file, `${value}\n`, { mode: 0o600 });
  return value;
}

async function main(): Promise<void> {
  const started = Date.now();
  const port = Number(process.env['PORT'] ?? '3333');
  mkdirSync(logDir, { recursive: true });
  const stack: Resolved[] = [];
  const services: StartedProcess[] = [];
  let gateway: StartedProcess | undefined;
  let stopping = false;

  const stopAll = async (code: number) => {
    if (stopping) return;
    stopping = true;
    if (!gateway && !services.length && !stack.some((r) => r.stop)) process.exit(code);
    say('\nStopping…');
    // The gateway first (no new requests), then the services, then what we started for them.
    await gateway?.stop();
    await Promise.allSettled(services.map((p) => p.stop()));
    await Promise.allSettled(stack.reverse().map((r) => r.stop?.()));
    say('Stopped.');
    process.exit(code);
  };
  let interrupts = 0;
  const onSignal = () => {
    // A second Ctrl-C while stopping: do not wait any longer.
    if (++interrupts > 1) {
      for (const p of [gateway, ...services]) p?.child.kill('SIGKILL');
      process.exit(130);
    }
    void stopAll(0);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  try {
    // Ports first: finding out after everything else started (as it used to) took ~11 s.
    const taken = await portsInUse([port, ...Object.values(HEALTH_PORTS)]);
    if (taken.includes(port)) {
      throw new Error(`Port ${port} is taken (another \`npm start\`?). Stop it, or run on another port: PORT=${port + 1} npm start`);
    }
    if (taken.length) {
      throw new Error(`Port(s) ${taken.join(', ')} are taken (the services' health ports; another \`npm start\`?). Stop that first.`);
    }

    const pg = await resolvePostgres(dataDir, say);
    stack.push(pg);
    say(`Postgres: ${pg.source}`);
    const nats = await resolveNats(dataDir, say);
    stack.push(nats);
    say(`NATS:     ${nats.source}`);

    const databaseUrl = process.env['DATABASE_URL'] ?? (await ensureDatabase(pg.url, 'alien'));
    // `npm run cli` finds the database here (the embedded one included) while npm start runs.
    writeFileSync(databaseUrlFile(dataDir), `${databaseUrl}\n`, { mode: 0o600 });
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      DATABASE_URL: databaseUrl,
      NATS_URL: nats.url,
      NATS_SUBJECT_PREFIX: process.env['NATS_SUBJECT_PREFIX'] ?? '',
      LOG_LEVEL: process.env['LOG_LEVEL'] ?? 'info',
      SECRETS_KEY_RING: process.env['SECRETS_KEY_RING'] ?? devSecret('secrets-key-ring', () => generateKeyRingSpec('dev1')),
      IDENTITY_ASSERTION_KEYS: process.env['IDENTITY_ASSERTION_KEYS'] ?? devSecret('identity-assertion-keys', () => generateAssertionKeySpec('dev1')),
      STORAGE_DIR: process.env['STORAGE_DIR'] ?? path.join(dataDir, 'storage'),
    };

    const pending = await pendingMigrations(databaseUrl, SERVICE_APPS, (app) => distPath('apps', app, 'src', 'database', 'migrations'));
    if (pending.length) {
      say(`Migrating schemas (${pending.join(', ')})…`);
      await migrateAll(databaseUrl, env, pending);
    }

    // The demo token is kept in .data/ (git-ignored) so it stays the same across restarts.
    const tokenFile = path.join(dataDir, 'demo-token');
    const previous = existsSync(tokenFile) ? readFileSync(tokenFile, 'utf8').trim() : undefined;
    let demo = previous ? await demoTokenStillValid(databaseUrl, previous) : null;
    if (!demo) {
      const seeded = await authCli<{ token: string; email: string }>({ ...env, ...(previous ? { DEMO_TOKEN: previous } : {}) }, ['seed-demo']);
      demo = { token: seeded.token, email: seeded.email };
      writeFileSync(tokenFile, `${demo.token}\n`, { mode: 0o600 });
    }

    say('Starting services and the gateway…');
    const natsUser = (app: string): NodeJS.ProcessEnv => {
      const creds = nats.natsUsers?.[app];
      return creds ? { NATS_USER: creds.user, NATS_PASSWORD: creds.password } : {};
    };
    const start = (name: string, extraEnv: NodeJS.ProcessEnv, ready: string) =>
      startProcess({
        name,
        script: distPath('apps', name, 'src', 'main.js'),
        env: { ...env, ...natsUser(name), ...extraEnv },
        ready: (line) => line.msg === ready,
        logFile: path.join(logDir, `${name}.log`),
        detached: true,
      });
    // Side by side: the gateway answers 503 for a service that is not up yet, so nothing waits.
    const results = await Promise.allSettled([
      ...SERVICE_APPS.map((name) => start(name, { HEALTH_PORT: String(HEALTH_PORTS[name]) }, 'service ready')),
      start('gateway', { PORT: String(port) }, 'gateway listening'),
    ]);
    for (const r of results) {
      if (r.status !== 'fulfilled') continue;
      if (r.value.name === 'gateway') gateway = r.value;
      else services.push(r.value);
    }
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    for (const p of [...services, gateway as StartedProcess]) {
      p.child.once('exit', (code) => {
        if (stopping) return;
        say(`\n${p.name} exited unexpectedly (code ${code}); its log: ${path.relative(root, path.join(logDir, `${p.name}.log`))}`);
        void stopAll(1);
      });
    }

    const url = `http://localhost:${port}`;
    say('');
    say(`Alien Platform API is up at ${url}  (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    say('');
    say(`Database:   ${printable(databaseUrl)}`);
    say(`Demo user:  ${demo.email} (platform admin, owner of the "demo" organization)`);
    say(`Demo token: ${demo.token}`);
    say('');
    say('Try:');
    say(`  curl ${url}/tags`);
    say(`  curl -H "Authorization: Bearer ${demo.token}" ${url}/users/me`);
    say(`  curl -H "Authorization: Bearer ${demo.token}" ${url}/organizations`);
    say(`  open ${url}/docs   (interactive API docs)   ·   ${url}/health`);
    say('  npm run cli -- create-user ada@example.org   (the auth admin CLI, on this database)');
    say('');
    say(`Logs: ${path.relative(root, logDir)}/<app>.log   ·   Ctrl-C stops everything.`);
  } catch (e) {
    const message = (e as Error).message;
    // Only the reason line (a child's own "X failed to start: …") — the full output is in its log file.
    const reason = message.split('\n').find((l) => / failed to start: /.test(l)) ?? message.split('\n')[0];
    process.stderr.write(`\nnpm start failed: ${reason}\nLogs: ${path.relative(root, logDir)}/\n`);
    if (/EADDRINUSE/.test(message)) {
      process.stderr.write(`A port is taken: another \`npm start\` may still be running (ports ${port} and 3401-3404).\n`);
    }
    await stopAll(1);
  }
}

void main();
