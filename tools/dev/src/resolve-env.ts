/**
 * `node dist/tools/dev/src/resolve-env.js` — used by `npm test`: resolves Postgres and NATS like
 * `npm start` does, prints them as one JSON line, and keeps anything it had to start alive until
 * stdin closes (the test runner holds it open for the length of the run).
 */
import path from 'node:path';
import { resolveNats, resolvePostgres } from './environment';

async function main(): Promise<void> {
  const dataDir = path.resolve(process.argv[2] ?? '.data');
  const log = (m: string) => process.stderr.write(`${m}\n`);
  const pg = await resolvePostgres(dataDir, log);
  const nats = await resolveNats(dataDir, log);
  process.stdout.write(`${JSON.stringify({ adminUrl: pg.url, natsUrl: nats.url, postgres: pg.source, nats: nats.source })}\n`);
  const stop = async () => {
    await Promise.allSettled([pg.stop?.(), nats.stop?.()]);
    process.exit(0);
  };
  process.stdin.on('end', stop);
  process.stdin.on('close', stop);
  process.stdin.resume();
  process.on('SIGTERM', stop);
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).message}\n`);
  process.exit(1);
});
