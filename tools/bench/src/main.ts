/**
 * `npm run bench [-- --only P1[,P6]] [--quick]` — starts what the scenarios need (its own database,
 * the apps from dist/, a baseline process), measures, prints a table and writes
 * bench-results/<timestamp>.json plus bench-results/latest.json. See tools/bench/README.md.
 */
import { tmpPath, workspaceRoot } from '@alien/testing';
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { BenchContext, BenchSettings } from './context';
import { FoundEnvironment, resolveEnvironment } from './environment';
import { abortHttpLoad } from './http-load';
import { stopAll } from './processes';
import { ScenarioResult, describeScenarios, formatReport, writeResults } from './report';
import { SCENARIOS } from './scenarios';

interface Args {
  only: string[];
  quick: boolean;
  profile: boolean;
  help: boolean;
  overrides: Partial<Pick<BenchSettings, 'durationS' | 'warmupS' | 'rounds' | 'connections' | 'rpcCalls'>>;
}

const USAGE = `Usage: npm run bench -- [--only P1,P6] [--quick] [--duration S] [--rounds N] [--warmup S] [--connections N] [--calls N]

  --only IDS       run only these scenarios (comma-separated or repeated)
  --quick          smoke run: 1 s warm-up, 2 s per target and concurrency in 2 rounds
  --duration S     measured seconds per target and concurrency (default 10, quick 2)
  --rounds N       interleaved rounds the duration is split into (default 5, quick 2)
  --warmup S       warm-up seconds per target (default 5, quick 1)
  --connections N  connections of the throughput runs (default 50)
  --calls N        sequential request/replies per RPC case (default 1000)
  --profile        CPU-profile the processes under test (tmp/bench/<run>/profiles/*.cpuprofile and
                   *.top.txt); profiling slows them, so judge that run's figures with care

Scenarios:
${describeScenarios(SCENARIOS)}
`;

function parseArgs(argv: string[]): Args {
  const args: Args = { only: [], quick: false, profile: false, help: false, overrides: {} };
  const number = (flag: string, value: string | undefined): number => {
    const n = Number(value);
    if (value === undefined || !Number.isFinite(n) || n <= 0) throw new Error(`${flag} needs a positive number`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = (argv[i] ?? '').split('=', 2) as [string, string | undefined];
    const value = () => inline ?? argv[++i];
    switch (flag) {
      case '--only':
        args.only.push(...(value() ?? '').split(',').map((s) => s.trim().toUpperCase()).filter(Boolean));
        break;
      case '--quick':
        args.quick = true;
        break;
      case '--duration':
        args.overrides.durationS = number(flag, value());
        break;
      case '--rounds':
        args.overrides.rounds = Math.round(number(flag, value()));
        break;
      case '--warmup':
        args.overrides.warmupS = number(flag, value());
        break;
      case '--connections':
        args.overrides.connections = Math.round(number(flag, value()));
        break;
      case '--calls':
        args.overrides.rpcCalls = Math.round(number(flag, value()));
        break;
      case '--profile':
        args.profile = true;
        break;
      case '--help':
      case '-h':
        args.help = true;
        break;
      default:
        throw new Error(`unknown argument ${argv[i]}`);
    }
  }
  return args;
}

function git(args: string[]): string | undefined {
  try {
    return execFileSync('git', args, { cwd: workspaceRoot(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

let interrupted = 0;
let cleanup: () => Promise<void> = stopAll;

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  if (args.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const known = new Set(SCENARIOS.map((s) => s.id));
  const unknown = args.only.filter((id) => !known.has(id));
  if (unknown.length) throw new Error(`unknown scenario ${unknown.join(', ')}; known: ${[...known].join(', ')}`);
  const selected = SCENARIOS.filter((s) => args.only.length === 0 || args.only.includes(s.id));

  const settings: BenchSettings = {
    quick: args.quick,
    warmupS: args.quick ? 1 : 5,
    durationS: args.quick ? 2 : 10,
    rounds: args.quick ? 2 : 5,
    connections: 50,
    rpcCalls: 1_000,
    logLevel: 'warn',
    poolSize: 10,
    profile: args.profile,
    ...args.overrides,
  };
  const startedAt = new Date();
  const runId = startedAt.toISOString().replace(/\.\d+Z$/, 'Z').replace(/:/g, '-');
  const root = workspaceRoot();
  const log = (m: string) => process.stderr.write(`[bench] ${m}\n`);
  const loadStart = os.loadavg();

  // Postgres and NATS found like `npm start` does; anything started for us is stopped at the end.
  const dataDir = path.join(root, '.data');
  // Filled in as things start; the cleanup (end of run, Ctrl-C, failure) stops what is there.
  const state: { found?: FoundEnvironment; ctx?: BenchContext } = {};
  let closing: Promise<void> | undefined;
  cleanup = () =>
    (closing ??= (async () => {
      await state.ctx?.close();
      await stopAll();
      await state.found?.stop();
    })());

  const onSignal = (signal: NodeJS.Signals) => {
    if (++interrupted > 1) process.exit(130);
    log(`${signal}: stopping everything the bench started (again to force)`);
    if (state.ctx) state.ctx.aborted = true;
    abortHttpLoad();
    void cleanup().finally(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const found = (state.found = await resolveEnvironment(dataDir));
  if (interrupted) return 130;
  // startPlatform creates its database on this server.
  process.env['TEST_DATABASE_ADMIN_URL'] = found.adminUrl;
  const logDir = tmpPath('bench', runId);
  const env = { adminUrl: found.adminUrl, natsUrl: found.natsUrl, postgresSource: found.postgres, natsSource: found.nats };
  const benchCtx = new BenchContext(settings, env, runId, logDir);
  state.ctx = benchCtx;
  log(`Postgres: ${env.postgresSource}; NATS: ${env.natsSource}; process logs in ${path.relative(root, logDir)}/`);
  log(`${settings.quick ? 'quick' : 'full'} run: ${selected.map((s) => s.id).join(', ')}`);

  const results: ScenarioResult[] = [];
  try {
    for (const scenario of selected) {
      benchCtx.scenarioId = scenario.id;
      const t0 = Date.now();
      const result: ScenarioResult = {
        id: scenario.id,
        title: scenario.title,
        description: scenario.description,
        rows: [],
        notes: [],
        seconds: 0,
      };
      try {
        result.rows = await scenario.run(benchCtx);
      } catch (error) {
        if (benchCtx.aborted) throw error;
        result.error = (error as Error)?.stack ?? String(error);
        log(`${scenario.id} failed: ${result.error}`);
      }
      result.notes = benchCtx.notes.filter((n) => n.scenario === scenario.id).map((n) => n.text);
      result.seconds = (Date.now() - t0) / 1000;
      results.push(result);
    }
  } finally {
    if (!benchCtx.aborted) await cleanup();
  }

  const finishedAt = new Date();
  const machine = {
    hostname: os.hostname(),
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    totalMemGiB: Math.round(os.totalmem() / 2 ** 30),
    loadAvgAtStart: loadStart.map((l) => Number(l.toFixed(2))),
    loadAvgAtEnd: os.loadavg().map((l) => Number(l.toFixed(2))),
    node: process.version,
    platform: `${process.platform} ${os.release()}`,
  };
  const header = [
    `Alien Platform API bench — ${startedAt.toISOString()} — ${settings.quick ? 'QUICK smoke run' : 'full run'} (${((finishedAt.getTime() - startedAt.getTime()) / 1000).toFixed(0)} s)`,
    `${machine.cpus} × ${machine.cpuModel ?? 'CPU'}, node ${machine.node}, load average at start ${machine.loadAvgAtStart.join(' / ')}, at end ${machine.loadAvgAtEnd.join(' / ')}`,
    `warm-up ${settings.warmupS} s, ${settings.durationS} s measured per target and concurrency (${settings.rounds} interleaved rounds), ${settings.connections} connections, ${settings.rpcCalls} RPC calls per case, processes at LOG_LEVEL=${settings.logLevel} unless a row says otherwise`,
    'Figures to judge are the ratios/differences against the baseline of this same launch; absolute req/s and ms depend on the machine.',
    ...(settings.profile ? ['PROFILED RUN: every process under test was CPU-profiled, which slows it; use the profiles, not these figures.'] : []),
  ];
  process.stdout.write(`${formatReport(results, header)}\n`);

  const flagged = results.some((r) => r.error || r.rows.some((row) => row.problems.length));
  const file = writeResults(path.join(root, 'bench-results'), startedAt, {
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    mode: settings.quick ? 'quick' : 'full',
    settings,
    git: { commit: git(['rev-parse', 'HEAD']), dirty: Boolean(git(['status', '--porcelain'])) },
    machine,
    environment: { postgres: env.postgresSource, nats: env.natsSource },
    flagged,
    scenarios: results,
  });
  process.stdout.write(`Results: ${path.relative(root, file)} (also bench-results/latest.json)\n`);
  for (const p of benchCtx.profiles) process.stdout.write(`CPU profile summary: ${path.relative(root, p)}\n`);
  if (flagged) process.stdout.write('Some runs had errors (see "!" lines above): exit code 1.\n');
  return flagged ? 1 : 0;
}

main().then(
  (code) => {
    if (!interrupted) process.exit(code);
  },
  (error: unknown) => {
    // After Ctrl-C the signal handler is already cleaning up and exits with 130.
    if (interrupted) return;
    process.stderr.write(`bench failed: ${(error as Error)?.stack ?? String(error)}\n`);
    void cleanup().finally(() => process.exit(2));
  },
);
