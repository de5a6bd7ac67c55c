/**
 * Finds Postgres and NATS exactly as `npm start` and `npm test` do, through tools/dev's
 * resolve-env.js (run as a helper process, as `npm test` runs it: importing tools/dev by relative
 * path trips lint's module-boundary rule). Whatever it had to start (embedded Postgres, nats-server)
 * lives until stop() closes its stdin.
 */
import { distPath } from '@alien/testing';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface FoundEnvironment {
  adminUrl: string;
  natsUrl: string;
  postgres: string;
  nats: string;
  stop(): Promise<void>;
}

export async function resolveEnvironment(dataDir: string): Promise<FoundEnvironment> {
  const child = spawn(process.execPath, [distPath('tools', 'dev', 'src', 'resolve-env.js'), dataDir], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const first = await new Promise<string | null>((resolve) => {
    createInterface({ input: child.stdout }).once('line', resolve);
    child.once('exit', () => resolve(null));
  });
  if (!first) throw new Error('could not find or start Postgres and NATS (see the message above)');
  const found = JSON.parse(first) as Omit<FoundEnvironment, 'stop'>;
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      child.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      child.stdin.end();
    });
  return { ...found, stop };
}
