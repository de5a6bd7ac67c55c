import { Platform, ServiceApp, distPath, freePort, query, startPlatform } from '@alien/testing';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { HttpLoadResult, RawLoad, combineLoads, runHttpLoad } from './http-load';
import { cpuSeconds } from './cpu';
import { LaunchOptions, Launched, launch } from './processes';
import { summarizeProfile } from './profile-summary';

export interface BenchSettings {
  quick: boolean;
  /** Warm-up before each target's first measured run, seconds. */
  warmupS: number;
  /** Measured seconds per target and concurrency (split into `rounds`). */
  durationS: number;
  /**
   * Targets compared with each other are measured in interleaved rounds (A B C, B C A, …) so that a
   * change in machine load during the run hits every target alike instead of skewing the ratios.
   */
  rounds: number;
  /** Concurrent connections of the throughput runs. */
  connections: number;
  /** Sequential request/replies per RPC case. */
  rpcCalls: number;
  /** Log level of the processes under test (`info` rows override it). */
  logLevel: string;
  /** Postgres pool per process: catalog's DATABASE_POOL_SIZE and the baseline's pool alike. */
  poolSize: number;
  /** CPU-profile every process under test (slows them: figures of such a run are not comparable). */
  profile: boolean;
}

export interface Environment {
  adminUrl: string;
  natsUrl: string;
  postgresSource: string;
  natsSource: string;
}

export interface HttpTarget {
  url: string;
  process: Launched;
}

/** Something to put under HTTP load: a URL plus what to send and expect. */
export interface LoadTarget {
  name: string;
  url: string;
  headers?: Record<string, string>;
  /** Every response body must equal this (else counted as a mismatch). */
  expectBody?: string;
  /** Processes serving it, whose CPU time per request is reported (e.g. gateway and catalog). */
  processes?: { label: string; pid: number | undefined }[];
}

const LOAD_GENERATOR = 'load generator';

/**
 * What a scenario gets: settings, the Postgres/NATS found for this run, one shared platform database
 * (created on first use, dropped at the end), and helpers that start processes and measure them.
 * Everything started through it is stopped at the end of the run and on Ctrl-C.
 */
export class BenchContext {
  aborted = false;
  readonly notes: { scenario: string; text: string }[] = [];
  /** With --profile: the `.top.txt` summaries written so far. */
  readonly profiles: string[] = [];
  scenarioId = '';
  private platformPromise: Promise<Platform> | undefined;
  private readonly launched = new Set<Launched>();
  private readonly profiling = new Set<Launched>();
  private gatewayCount = 0;

  constructor(
    readonly settings: BenchSettings,
    readonly env: Environment,
    readonly runId: string,
    readonly logDir: string,
  ) {}

  log(message: string): void {
    process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
  }

  /** A line printed under the scenario's table and kept in the JSON. */
  note(text: string): void {
    this.notes.push({ scenario: this.scenarioId, text });
    this.log(text);
  }

  /** A fresh database with every service's migrations (seeded reference lists) and a private NATS prefix. */
  platform(): Promise<Platform> {
    this.platformPromise ??= startPlatform({
      services: [],
      gateways: 0,
      natsUrl: this.env.natsUrl,
      logLevel: this.settings.logLevel,
      label: `bench-${this.runId}`,
      env: { NODE_ENV: 'production', DATABASE_POOL_SIZE: String(this.settings.poolSize) },
    }).then((platform) => {
      this.log(`database ${platform.databaseName}, NATS subject prefix ${platform.subjectPrefix}`);
      return platform;
    });
    return this.platformPromise;
  }

  /** Id of the seeded tag every HTTP scenario reads (`climate`). */
  async seededTagId(): Promise<number> {
    const platform = await this.platform();
    const [tag] = await query<{ id: number }>(platform.databaseUrl, `SELECT id FROM catalog.tags WHERE slug = 'climate'`);
    if (!tag) throw new Error('seeded tag "climate" not found: did the catalog migrations run?');
    return tag.id;
  }

  private async start(name: string, script: string, env: NodeJS.ProcessEnv, ready: LaunchOptions['ready']): Promise<Launched> {
    this.checkAborted();
    const platform = await this.platform();
    const profiling: NodeJS.ProcessEnv = this.settings.profile
      ? {
          NODE_OPTIONS: `--require ${distPath('tools', 'bench', 'src', 'profile-preload.js')}`,
          BENCH_PROFILE_DIR: path.join(this.logDir, 'profiles'),
          BENCH_PROFILE_NAME: name,
        }
      : {};
    const proc = await launch({
      name,
      script,
      env: { ...platform.env, ...env, ...profiling },
      ready,
      logFile: path.join(this.logDir, `${name}.log`),
    });
    this.launched.add(proc);
    return proc;
  }

  /** Starts a service from dist/ against the bench database; ready when /health/ready says so. */
  async startService(name: ServiceApp, env: NodeJS.ProcessEnv = {}, label: string = name): Promise<Launched & { port: number }> {
    const port = await freePort();
    const proc = await this.start(label, distPath('apps', name, 'src', 'main.js'), { HOST: '127.0.0.1', HEALTH_PORT: String(port), ...env }, {
      url: `http://127.0.0.1:${port}/health/ready`,
    });
    // The service's HTTP port (the proxy serves its data plane there).
    return Object.assign(proc, { port });
  }

  /** Starts any Node script from dist/ (a scenario's own helper process); stopped at the end of the run. */
  startScript(name: string, script: string, env: NodeJS.ProcessEnv, ready: LaunchOptions['ready']): Promise<Launched> {
    return this.start(name, script, env, ready);
  }

  /** Starts a gateway from dist/ on a free loopback port; ready when /health/live answers. */
  async startGateway(env: NodeJS.ProcessEnv = {}, label = `gateway-${++this.gatewayCount}`): Promise<HttpTarget> {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const proc = await this.start(label, distPath('apps', 'gateway', 'src', 'main.js'), { PORT: String(port), HOST: '127.0.0.1', ...env }, {
      url: `${url}/health/live`,
    });
    return { url, process: proc };
  }

  /**
   * The P1 baseline: plain Fastify (or node:http) + pg, same query and JSON, no Nest, no NATS. Each
   * scenario names its own (the label is the log file, and the ready line is read from it).
   */
  async startBaseline(env: NodeJS.ProcessEnv = {}, label = 'baseline'): Promise<HttpTarget> {
    const proc = await this.start(
      label,
      distPath('tools', 'bench', 'src', 'baseline-server.js'),
      { PORT: '0', HOST: '127.0.0.1', POOL_SIZE: String(this.settings.poolSize), ...env },
      { line: (l) => l['msg'] === 'baseline listening' },
    );
    return { url: `http://127.0.0.1:${proc.readyLine['port'] as number}`, process: proc };
  }

  async stop(proc: Launched): Promise<void> {
    await this.saveProfile(proc);
    await proc.stop();
    this.launched.delete(proc);
  }

  /**
   * With --profile: starts sampling in every running process (from the first measurement on). Scenarios
   * that measure with their own loop (P4) call it after their warm-up.
   */
  startProfiling(): void {
    if (!this.settings.profile) return;
    for (const proc of this.launched) {
      if (this.profiling.has(proc) || proc.child.exitCode !== null) continue;
      this.profiling.add(proc);
      this.profileSignal(proc, 'start');
    }
  }

  private profileSignal(proc: Launched, what: 'start' | 'stop'): void {
    const dir = path.join(this.logDir, 'profiles');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, `${proc.name}.${what}`), '');
  }

  /** With --profile: asks the process for its CPU profile and summarises it. */
  private async saveProfile(proc: Launched): Promise<void> {
    if (!this.profiling.delete(proc) || proc.child.exitCode !== null) return;
    const file = path.join(this.logDir, 'profiles', `${proc.name}.cpuprofile`);
    this.profileSignal(proc, 'stop');
    const deadline = Date.now() + 10_000;
    while (!existsSync(file) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    if (!existsSync(file)) return this.log(`${proc.name}: no CPU profile written`);
    this.profiles.push(summarizeProfile(file, path.resolve(distPath(), '..')));
  }

  /** Unmeasured load on each target in turn (JIT, pools, connections). */
  async warmUp(targets: LoadTarget[], connections: number, seconds = this.settings.warmupS): Promise<void> {
    for (const t of targets) {
      this.checkAborted();
      this.log(`warm-up ${t.name}: ${seconds} s at ${connections} connection(s)`);
      await runHttpLoad({ url: t.url, headers: t.headers, expectBody: t.expectBody, connections, durationS: seconds });
    }
  }

  /**
   * Measures every target at the same concurrency for `durationS` each, in `rounds` interleaved
   * slices with the order rotated each round. Results are keyed by target name.
   */
  async compareHttp(targets: LoadTarget[], connections: number, durationS = this.settings.durationS): Promise<Map<string, HttpLoadResult>> {
    this.startProfiling();
    const rounds = Math.max(1, this.settings.rounds);
    const slice = durationS / rounds;
    const runs = new Map<string, RawLoad[]>(targets.map((t) => [t.name, []]));
    const cpu = new Map<string, Map<string, number | undefined>>(targets.map((t) => [t.name, new Map()]));
    this.log(`measuring ${targets.length} target(s) at ${connections} connection(s): ${rounds} interleaved round(s) × ${slice} s each`);
    for (let round = 0; round < rounds; round++) {
      for (let i = 0; i < targets.length; i++) {
        const t = targets[(i + round) % targets.length] as LoadTarget;
        this.checkAborted();
        const watched = [...(t.processes ?? []), { label: LOAD_GENERATOR, pid: process.pid }];
        const before = watched.map((p) => cpuSeconds(p.pid));
        const raw = await runHttpLoad({ url: t.url, headers: t.headers, expectBody: t.expectBody, connections, durationS: slice });
        runs.get(t.name)?.push(raw);
        const used = cpu.get(t.name) as Map<string, number | undefined>;
        watched.forEach((p, k) => {
          const start = before[k];
          const end = cpuSeconds(p.pid);
          const delta = start === undefined || end === undefined ? undefined : end - start;
          const sum = used.has(p.label) ? used.get(p.label) : 0;
          used.set(p.label, sum === undefined || delta === undefined ? undefined : sum + delta);
        });
      }
    }
    this.checkAborted();
    return new Map(
      [...runs].map(([name, list]) => {
        const result = combineLoads(connections, list);
        const perRequest: Record<string, number> = {};
        for (const [label, seconds] of cpu.get(name) ?? []) {
          if (seconds !== undefined && result.ok > 0) perRequest[label] = (seconds * 1000) / result.ok;
        }
        if (Object.keys(perRequest).length) result.cpuMsPerRequest = perRequest;
        return [name, result];
      }),
    );
  }

  checkAborted(): void {
    if (this.aborted) throw new Error('interrupted');
  }

  /** Stops every process started through the context and drops the bench database. */
  async close(): Promise<void> {
    if (!this.aborted) await Promise.allSettled([...this.launched].map((p) => this.saveProfile(p)));
    await Promise.allSettled([...this.launched].map((p) => p.stop()));
    this.launched.clear();
    const platform = this.platformPromise;
    this.platformPromise = undefined;
    if (platform) await platform.then((p) => p.stop()).catch(() => undefined);
  }
}
