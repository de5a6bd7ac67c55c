import { ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';

export interface LogLine {
  msg?: string;
  level?: string;
  [key: string]: unknown;
}

export interface StartedProcess {
  name: string;
  child: ChildProcess;
  /** Every JSON log line written so far (kept in memory for assertions). */
  lines: LogLine[];
  /** The first log line matching `ready`. */
  readyLine: LogLine;
  /** Resolves with the first later line matching the predicate. */
  waitForLine(match: (line: LogLine) => boolean, timeoutMs?: number): Promise<LogLine>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface StartProcessOptions {
  name: string;
  script: string;
  args?: string[];
  env: NodeJS.ProcessEnv;
  /** A log line that says the process is ready (e.g. msg === 'service ready'). */
  ready: (line: LogLine) => boolean;
  logFile?: string;
  timeoutMs?: number;
}

/**
 * Starts a Node script as its own process (as in production), records its JSON log lines and
 * resolves once it logs that it is ready. Rejects with the tail of its output if it exits first.
 */
export function startProcess(options: StartProcessOptions): Promise<StartedProcess> {
  const { name, script, env, ready, timeoutMs = 30_000 } = options;
  const child = spawn(process.execPath, [script, ...(options.args ?? [])], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: LogLine[] = [];
  const raw: string[] = [];
  const waiters: { match: (l: LogLine) => boolean; resolve: (l: LogLine) => void }[] = [];
  let log: ReturnType<typeof createWriteStream> | undefined;
  if (options.logFile) {
    mkdirSync(path.dirname(options.logFile), { recursive: true });
    log = createWriteStream(options.logFile, { flags: 'a' });
  }
  const onLine = (text: string) => {
    log?.write(`${text}\n`);
    raw.push(text);
    if (raw.length > 200) raw.shift();
    if (!text.startsWith('{')) return;
    try {
      const line = JSON.parse(text) as LogLine;
      lines.push(line);
      for (let i = waiters.length - 1; i >= 0; i--) {
        const waiter = waiters[i];
        if (waiter && waiter.match(line)) {
          waiters.splice(i, 1);
          waiter.resolve(line);
        }
      }
    } catch {
      /* not JSON: kept in raw output only */
    }
  };
  if (child.stdout) createInterface({ input: child.stdout }).on('line', onLine);
  if (child.stderr) createInterface({ input: child.stderr }).on('line', onLine);

  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.once('exit', () => log?.end());

  const waitForLine = (match: (line: LogLine) => boolean, ms = 10_000) =>
    new Promise<LogLine>((resolve, reject) => {
      const existing = lines.find(match);
      if (existing) return resolve(existing);
      const timer = setTimeout(() => reject(new Error(`${name}: no matching log line within ${ms} ms`)), ms);
      // A process that died first leaves this waiter behind: it must not keep the test runner alive.
      timer.unref();
      waiters.push({
        match,
        resolve: (line) => {
          clearTimeout(timer);
          resolve(line);
        },
      });
    });

  const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
    if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    const code = await exited;
    clearTimeout(timer);
    return code;
  };

  return new Promise<StartedProcess>((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop('SIGKILL');
      reject(new Error(`${name} did not become ready within ${timeoutMs} ms:\n${raw.slice(-30).join('\n')}`));
    }, timeoutMs);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${code} before it was ready:\n${raw.slice(-30).join('\n')}`));
    });
    void waitForLine(ready, timeoutMs + 1_000)
      .then((readyLine) => {
        clearTimeout(timer);
        resolve({ name, child, lines, readyLine, waitForLine, stop });
      })
      .catch(() => undefined);
  });
}

/** Runs a Node script to completion; rejects with its output when it exits non-zero. */
export function runScript(script: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs = 60_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout?.on('data', (d) => (output += d));
    child.stderr?.on('data', (d) => (output += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(output);
      else reject(new Error(`${path.basename(script)} ${args.join(' ')} exited with ${code}:\n${output}`));
    });
  });
}
