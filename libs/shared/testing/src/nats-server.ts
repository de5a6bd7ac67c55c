import { ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** `nats-server` on PATH (Debian installs it in /usr/sbin, which is not always on PATH). */
export function findNatsServerBinary(): string | null {
  const dirs = [...(process.env['PATH'] ?? '').split(path.delimiter), '/usr/sbin', '/usr/local/sbin', '/usr/local/bin'];
  for (const dir of dirs) {
    const candidate = path.join(dir, 'nats-server');
    if (dir && existsSync(candidate)) return candidate;
  }
  return null;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export function waitForPort(port: number, host = '127.0.0.1', timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      const socket = createConnection({ port, host });
      socket.once('connect', () => {
        socket.destroy();
        resolve();
      });
      socket.once('error', () => {
        socket.destroy();
        if (Date.now() > deadline) reject(new Error(`port ${host}:${port} did not open within ${timeoutMs} ms`));
        else setTimeout(attempt, 50);
      });
    };
    attempt();
  });
}

export interface NatsServerHandle {
  url: string;
  port: number;
  /** Kills the server (like a crash); start() brings it back on the same port and store. */
  kill(): Promise<void>;
  start(): Promise<void>;
  /** Kills it and removes its store. */
  dispose(): Promise<void>;
}

/** A private nats-server with JetStream on a free port, for tests that stop and restart NATS. */
export async function spawnNatsServer(
  options: {
    port?: number;
    storeDir?: string;
    /** A nats-server configuration (users and permissions); JetStream's store is set to storeDir. */
    config?: string;
  } = {},
): Promise<NatsServerHandle> {
  const binary = findNatsServerBinary();
  if (!binary) throw new Error('nats-server not found on PATH (apt-get install nats-server)');
  const port = options.port ?? (await freePort());
  const storeDir = options.storeDir ?? mkdtempSync(path.join(tmpdir(), 'alien-nats-'));
  let child: ChildProcess | undefined;
  let configArgs: string[] = [];
  if (options.config !== undefined) {
    const file = path.join(storeDir, 'nats-server.conf');
    writeFileSync(file, options.config);
    configArgs = ['-c', file];
  }
  const start = async () => {
    child = spawn(binary, [...configArgs, '-a', '127.0.0.1', '-p', String(port), '-js', '-sd', storeDir], { stdio: 'ignore' });
    await waitForPort(port);
  };
  const kill = async () => {
    const c = child;
    if (!c || c.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      c.once('exit', () => resolve());
      c.kill('SIGKILL');
    });
  };
  await start();
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    start,
    kill,
    dispose: async () => {
      await kill();
      if (!options.storeDir) rmSync(storeDir, { recursive: true, force: true });
    },
  };
}
