/**
 * Starts the processes under test with their stdout/stderr going straight to a log file.
 *
 * libs/testing's startProcess pipes every log line through the parent (readline + JSON.parse + an
 * in-memory array). That is right for tests but wrong here: with `info` logging the harness would
 * parse thousands of lines a second on the same two cores as the load generator, and keep them all.
 * Here the child writes to the file itself; the parent only polls the file until the ready line.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readSync, statSync } from 'node:fs';
import path from 'node:path';

export type LogLine = Record<string, unknown>;

export interface Launched {
  name: string;
  child: ChildProcess;
  logFile: string;
  readyLine: LogLine;
  stop(): Promise<void>;
}

export interface LaunchOptions {
  name: string;
  script: string;
  env: NodeJS.ProcessEnv;
  logFile: string;
  /**
   * Ready when a log line matches, or when a URL answers 200. At LOG_LEVEL=warn the apps write no
   * "ready" line, so the platform's processes are probed over HTTP (health endpoints) instead.
   */
  ready: { line: (line: LogLine) => boolean } | { url: string };
  timeoutMs?: number;
}

const running = new Set<ChildProcess>();

/** Reads the lines appended to a file since `offset`. */
class FileTail {
  private offset = 0;
  private partial = '';
  constructor(private readonly file: string) {}

  read(): string[] {
    let size: number;
    try {
      size = statSync(this.file).size;
    } catch {
      return [];
    }
    if (size <= this.offset) return [];
    const fd = openSync(this.file, 'r');
    try {
      const buffer = Buffer.alloc(size - this.offset);
      readSync(fd, buffer, 0, buffer.length, this.offset);
      this.offset = size;
      const text = this.partial + buffer.toString('utf8');
      const lines = text.split('\n');
      this.partial = lines.pop() ?? '';
      return lines;
    } finally {
      closeSync(fd);
    }
  }
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

export function launch(options: LaunchOptions): Promise<Launched> {
  const { name, script, env, logFile, ready, timeoutMs = 30_000 } = options;
  mkdirSync(path.dirname(logFile), { recursive: true });
  const fd = openSync(logFile, 'a');
  const child = spawn(process.execPath, [script], { env, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  running.add(child);
  child.once('exit', () => running.delete(child));
  const tail = new FileTail(logFile);
  const recent: string[] = [];

  return new Promise<Launched>((resolve, reject) => {
    let settled = false;
    const finish = (error: Error | null, line?: LogLine) => {
      if (settled) return;
      settled = true;
      clearInterval(poll);
      clearTimeout(timer);
      child.off('exit', onExit);
      if (error) {
        void stopChild(child);
        reject(error);
      } else {
        resolve({ name, child, logFile, readyLine: line ?? {}, stop: () => stopChild(child) });
      }
    };
    let probing = false;
    const scan = () => {
      for (const text of tail.read()) {
        recent.push(text);
        if (recent.length > 30) recent.shift();
        if (!('line' in ready) || !text.startsWith('{')) continue;
        try {
          const line = JSON.parse(text) as LogLine;
          if (ready.line(line)) return finish(null, line);
        } catch {
          /* not JSON */
        }
      }
      if ('url' in ready && !probing) {
        probing = true;
        fetch(ready.url, { signal: AbortSignal.timeout(1_000) })
          .then(async (res) => {
            await res.arrayBuffer();
            if (res.status === 200) finish(null, { url: ready.url });
          })
          .catch(() => undefined)
          .finally(() => (probing = false));
      }
    };
    const poll = setInterval(scan, 25);
    const timer = setTimeout(
      () => finish(new Error(`${name} did not become ready within ${timeoutMs} ms (log: ${logFile}):\n${recent.join('\n')}`)),
      timeoutMs,
    );
    const onExit = (code: number | null) => {
      scan();
      finish(new Error(`${name} exited with ${code} before it was ready (log: ${logFile}):\n${recent.join('\n')}`));
    };
    child.once('exit', onExit);
  });
}

/** Stops every process this module started (end of run, Ctrl-C). */
export async function stopAll(): Promise<void> {
  await Promise.all([...running].map(stopChild));
}

/** Last resort when the harness exits without cleaning up: no orphans left behind. */
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});
