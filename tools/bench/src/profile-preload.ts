/**
 * Loaded into the processes under test with `--profile` (NODE_OPTIONS=--require …). The harness
 * drives it with files in BENCH_PROFILE_DIR: `<name>.start` starts CPU sampling (sent after the
 * warm-up, so start-up is left out), `<name>.stop` writes `<name>.cpuprofile` (open it in Chrome
 * DevTools → Performance, or read the `.top.txt` summary next to it).
 * Why not signals or --cpu-prof: Nest's enableShutdownHooks() shuts down on SIGUSR2 too, and a
 * process that ends by a re-raised SIGTERM never writes a --cpu-prof profile.
 */
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import path from 'node:path';

const dir = process.env['BENCH_PROFILE_DIR'];
if (dir) {
  const name = process.env['BENCH_PROFILE_NAME'] ?? String(process.pid);
  const base = path.join(dir, name);
  const session = new Session();
  session.connect();
  let state: 'waiting' | 'running' | 'done' = 'waiting';
  const timer = setInterval(() => {
    if (state === 'waiting' && existsSync(`${base}.start`)) {
      state = 'running';
      session.post('Profiler.enable', () => session.post('Profiler.start'));
    } else if (state === 'running' && existsSync(`${base}.stop`)) {
      state = 'done';
      clearInterval(timer);
      session.post('Profiler.stop', (error, result) => {
        if (error) return;
        mkdirSync(dir, { recursive: true });
        // Renamed only when complete, so the harness never reads half a profile.
        writeFileSync(`${base}.cpuprofile.tmp`, JSON.stringify(result.profile));
        renameSync(`${base}.cpuprofile.tmp`, `${base}.cpuprofile`);
      });
    }
  }, 100);
  timer.unref();
}
