/**
 * `npm start`: the whole platform on one machine, like production (one process per app).
 * Finds Postgres and NATS (or starts embedded ones under .data/), migrates every service's schema,
 * seeds a demo organization with a platform admin and an API token, starts the four services and the
 * gateway, prints what to try, and stops everything on Ctrl-C.
 */
import { generateAssertionKeySpec } from '@alien/identity-assertion';
import { generateKeyRingSpec } from '@alien/secrets';
import { SERVICE_APPS, StartedProcess, authCli, distPath, migrateAll, startProcess, workspaceRoot } from '@alien/testing';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Resolved, ensureDatabase, resolveNats, resolvePostgres } from './environment';

const root = workspaceRoot();
const dataDir = path.join(root, '.data');
const logDir = path.join(dataDir, 'logs');
const say = (line = '') => process.stdout.write(`${line}\n`);

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
  const port = process.env['PORT'] ?? '3333';
  mkdirSync(logDir, { recursive: true });
  const stack: Resolved[] = [];
  const processes: StartedProcess[] = [];
  let stopping = false;

  const stopAll = async (code: number) => {
    if (stopping) return;
    stopping = true;
    say('\nStopping…');
    await Promise.allSettled(processes.reverse().map((p) => p.stop()));
    await Promise.allSettled(stack.reverse().map((r) => r.stop?.()));
    say('Stopped.');
    process.exit(code);
  };
  process.on('SIGINT', () => void stopAll(0));
  process.on('SIGTERM', () => void stopAll(0));

  try {
    const pg = await resolvePostgres(dataDir, say);
    stack.push(pg);
    say(`Postgres: ${pg.source}`);
    const nats = await resolveNats(dataDir, say);
    stack.push(nats);
    say(`NATS:     ${nats.source}`);

    const databaseUrl = process.env['DATABASE_URL'] ?? (await ensureDatabase(pg.url, 'alien'));
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

    say('Migrating schemas (auth, catalog, orchestration, proxy)…');
    await migrateAll(databaseUrl, env);

    // The demo token is kept in .data/ (git-ignored) so it stays the same across restarts.
    const tokenFile = path.join(dataDir, 'demo-token');
    const previous = existsSync(tokenFile) ? readFileSync(tokenFile, 'utf8').trim() : undefined;
    const demo = await authCli<{ token: string; email: string; organizationId: number }>(
      { ...env, ...(previous ? { DEMO_TOKEN: previous } : {}) },
      ['seed-demo'],
    );
    writeFileSync(tokenFile, `${demo.token}\n`, { mode: 0o600 });

    say('Starting services…');
    const onExit = (p: StartedProcess) =>
      p.child.once('exit', (code) => {
        if (stopping) return;
        say(`\n${p.name} exited unexpectedly (code ${code}); its log: ${path.relative(root, path.join(logDir, `${p.name}.log`))}`);
        void stopAll(1);
      });
    const results = await Promise.allSettled(
      SERVICE_APPS.map((name) =>
        startProcess({
          name,
          script: distPath('apps', name, 'src', 'main.js'),
          env,
          ready: (line) => line.msg === 'service ready',
          logFile: path.join(logDir, `${name}.log`),
        }),
      ),
    );
    // Track every process that did start, so a failure of one stops the others too.
    for (const r of results) if (r.status === 'fulfilled') processes.push(r.value);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
    processes.forEach(onExit);
    const gateway = await startProcess({
      name: 'gateway',
      script: distPath('apps', 'gateway', 'src', 'main.js'),
      env: { ...env, PORT: port },
      ready: (line) => line.msg === 'gateway listening',
      logFile: path.join(logDir, 'gateway.log'),
    });
    processes.push(gateway);
    onExit(gateway);

    const url = `http://localhost:${port}`;
    say('');
    say(`Alien Platform API is up at ${url}  (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    say('');
    say(`Demo user:  ${demo.email} (platform admin, owner of the "demo" organization)`);
    say(`Demo token: ${demo.token}`);
    say('');
    say('Try:');
    say(`  curl ${url}/tags`);
    say(`  curl -H "Authorization: Bearer ${demo.token}" ${url}/users/me`);
    say(`  curl -H "Authorization: Bearer ${demo.token}" ${url}/organizations`);
    say(`  open ${url}/docs   (interactive API docs)   ·   ${url}/health`);
    say('');
    say(`Logs: ${path.relative(root, logDir)}/<app>.log   ·   Ctrl-C stops everything.`);
  } catch (e) {
    const message = (e as Error).message;
    // Only the reason line (a child's own "X failed to start: …") — the full output is in its log file.
    const reason = message.split('\n').find((l) => / failed to start: /.test(l)) ?? message.split('\n')[0];
    process.stderr.write(`\nnpm start failed: ${reason}\nLogs: ${path.relative(root, logDir)}/\n`);
    if (/EADDRINUSE/.test(message)) {
      process.stderr.write('A port is taken: another `npm start` may still be running (ports 3333 and 3401-3404).\n');
    }
    await stopAll(1);
  }
}

void main();
