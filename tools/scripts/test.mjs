#!/usr/bin/env node
// `npm test`: lint (with Nx module boundaries), type check, build, then every Jest test (unit + e2e)
// against real Postgres and NATS found like `npm start` finds them. Prints `checks: lint ok, types ok,
// build ok`, then ends with one line `N passed, N failed` counting Jest tests (a failed check adds one
// to "failed", so that line never reads 0 failed when something failed), and exits non-zero on any failure.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
process.chdir(root);
const env = { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', TZ: 'UTC', FORCE_COLOR: '0' };
const bin = (name) => path.join(root, 'node_modules', '.bin', name);
const extraJestArgs = process.argv.slice(2);

let passed = 0;
let failed = 0;
const failures = [];
const checks = [];

function step(name, command, args, label) {
  const started = Date.now();
  process.stdout.write(`\n▶ ${name}\n`);
  const result = spawnSync(command, args, { stdio: 'inherit', env });
  const ok = result.status === 0;
  process.stdout.write(`${ok ? '✓' : '✗'} ${name} (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
  checks.push(`${label} ${ok ? 'ok' : 'FAILED'}`);
  if (!ok) {
    failed++;
    failures.push(name);
  }
  return ok;
}

// With a path filter (e.g. `npm test -- apps/catalog`, or `nx test catalog`) only the matching Jest tests run.
const skipStatic = extraJestArgs.length > 0;
if (!skipStatic) {
  // The project graph must exist before @nx/enforce-module-boundaries can check anything.
  spawnSync(bin('nx'), ['show', 'projects'], { stdio: 'ignore', env });
  step('lint (eslint + Nx module boundaries)', bin('eslint'), ['.', '--max-warnings=0'], 'lint');
  // Everything, then the code that runs in production once more with noUncheckedIndexedAccess
  // (tests index fixtures freely; production code must handle a missing element).
  step('type check (tsc --noEmit)', bin('tsc'), ['-p', 'tsconfig.json', '--noEmit'], 'types');
  step('type check of runtime code (noUncheckedIndexedAccess)', bin('tsc'), ['-p', 'tsconfig.runtime.json', '--noEmit'], 'runtime types');
}
const built = step('build (swc → dist/)', process.execPath, ['tools/scripts/build.mjs'], 'build');

if (built) {
  // Resolve Postgres + NATS (starting embedded ones if needed; they live as long as this helper).
  const resolver = spawn(process.execPath, ['dist/tools/dev/src/resolve-env.js', path.join(root, '.data')], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env,
  });
  const first = await new Promise((resolve) => {
    createInterface({ input: resolver.stdout }).once('line', resolve);
    resolver.once('exit', () => resolve(null));
  });
  if (!first) {
    failed++;
    failures.push('environment (Postgres/NATS)');
  } else {
    const found = JSON.parse(first);
    process.stdout.write(`\nPostgres: ${found.postgres}\nNATS: ${found.nats}\n`);
    const out = path.join(root, 'tmp', 'jest-results.json');
    mkdirSync(path.dirname(out), { recursive: true });
    rmSync(out, { force: true });
    const jest = spawnSync(
      bin('jest'),
      ['--ci', '--json', `--outputFile=${out}`, '--maxWorkers=2', ...extraJestArgs],
      { stdio: 'inherit', env: { ...env, TEST_DATABASE_ADMIN_URL: found.adminUrl, NATS_URL: found.natsUrl } },
    );
    try {
      const results = JSON.parse(readFileSync(out, 'utf8'));
      passed += results.numPassedTests;
      failed += results.numFailedTests;
      // A suite that crashed before running its tests counts as a failure, never as silence.
      for (const suite of results.testResults) {
        if (suite.status === 'failed' && suite.assertionResults.length === 0) {
          failed++;
          failures.push(`suite ${path.relative(root, suite.name)} did not run: ${String(suite.message).split('\n')[0]}`);
        }
      }
      for (const suite of results.testResults) {
        for (const t of suite.assertionResults) if (t.status === 'failed') failures.push(t.fullName);
      }
      if (jest.status !== 0 && results.numFailedTests === 0 && results.numRuntimeErrorTestSuites === 0 && results.success === false) {
        failed++;
        failures.push('jest exited non-zero');
      }
    } catch {
      failed++;
      failures.push('jest produced no results');
    }
  }
  resolver.stdin.end();
  await new Promise((resolve) => {
    if (resolver.exitCode !== null) return resolve();
    resolver.once('exit', resolve);
    setTimeout(resolve, 10_000).unref();
  });
}

if (failures.length) {
  process.stdout.write(`\nFailed:\n${failures.map((f) => `  - ${f}`).join('\n')}\n`);
}
process.stdout.write(`\nchecks: ${checks.join(', ')}\n`);
process.stdout.write(`${passed} passed, ${failed} failed\n`);
process.exit(failed === 0 ? 0 : 1);
