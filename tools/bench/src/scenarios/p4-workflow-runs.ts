import { client, createActor, distPath, freePort, tmpPath } from '@alien/testing';
import { QueueEvents } from 'bullmq';
import { ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { JSONCodec, connect } from 'nats';
import type { BenchContext } from '../context';
import { cpuSeconds } from '../cpu';
import type { Row, Scenario } from '../scenario';
import { Samples, summarize } from '../stats';

/** Goals from the issue. */
export const P4_GOALS = { minRunsPerSecond: 300, maxP50Ms: 25, minRatio: 1.0 } as const;

const EXPRESSION = '{"greeting": "Hello " & name, "n": n + 1}';
const PEER = distPath('tools', 'bench', 'src', 'peers', 'bullmq-peer.js');

interface Target {
  name: string;
  /** Starts a run; resolves with the id its completion will carry. */
  start(n: number): Promise<string>;
  processes: { label: string; pid: number | undefined }[];
}

interface Measured {
  completed: number;
  errors: string[];
  wrong: number;
  seconds: number;
  latency: Samples;
  cpuMs: Record<string, number>;
}

/** Completions by id, whichever comes first: the waiter or the event. */
class Completions {
  private readonly done = new Map<string, { at: number; value: unknown }>();
  private readonly waiters = new Map<string, (v: { at: number; value: unknown }) => void>();

  complete(id: string, value: unknown): void {
    const entry = { at: performance.now(), value };
    const waiter = this.waiters.get(id);
    if (waiter) {
      this.waiters.delete(id);
      waiter(entry);
    } else this.done.set(id, entry);
  }

  wait(id: string, timeoutMs = 30_000): Promise<{ at: number; value: unknown }> {
    const hit = this.done.get(id);
    if (hit) {
      this.done.delete(id);
      return Promise.resolve(hit);
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(id);
        reject(new Error(`run ${id} did not complete within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.set(id, (v) => {
        clearTimeout(timer);
        resolve(v);
      });
    });
  }
}

/** Closed loop: `concurrency` clients, each starting a run and waiting for its completion, for `seconds`. */
async function measure(target: Target, completions: Completions, concurrency: number, seconds: number, expected: (value: unknown, n: number) => boolean): Promise<Measured> {
  const latency = new Samples();
  const errors: string[] = [];
  let wrong = 0;
  let completed = 0;
  let counter = 0;
  const watched = [...target.processes, { label: 'load generator', pid: process.pid }];
  const before = watched.map((p) => cpuSeconds(p.pid));
  const started = performance.now();
  const end = started + seconds * 1000;
  const loop = async () => {
    while (performance.now() < end) {
      const n = counter++;
      const t0 = performance.now();
      try {
        const id = await target.start(n);
        const done = await completions.wait(id);
        latency.push(done.at - t0);
        completed++;
        if (!expected(done.value, n)) wrong++;
      } catch (error) {
        if (errors.length < 20) errors.push((error as Error).message);
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  const elapsed = (performance.now() - started) / 1000;
  const cpuMs: Record<string, number> = {};
  watched.forEach((p, i) => {
    const a = before[i];
    const b = cpuSeconds(p.pid);
    if (a !== undefined && b !== undefined && completed > 0) cpuMs[p.label] = ((b - a) * 1000) / completed;
  });
  return { completed, errors, wrong, seconds: elapsed, latency, cpuMs };
}

async function startRedis(ctx: BenchContext): Promise<{ url: string; child: ChildProcess; stop(): Promise<void> }> {
  const port = await freePort();
  const dir = tmpPath('bench', ctx.runId, 'redis');
  mkdirSync(dir, { recursive: true });
  // AOF on, fsync every second (Redis's default for AOF): the durability BullMQ users run with.
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--appendonly', 'yes', '--appendfsync', 'everysec', '--save', '', '--dir', dir], {
    stdio: 'ignore',
  });
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      const { createConnection } = await import('node:net');
      await new Promise<void>((resolve, reject) => {
        const s = createConnection({ port, host: '127.0.0.1' }, () => {
          s.end();
          resolve();
        });
        s.once('error', reject);
      });
      break;
    } catch {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error('redis-server did not start (apt-get install redis-server)');
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    child,
    stop: async () => {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await new Promise((r) => child.once('exit', r));
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function row(name: string, role: Row['role'], concurrency: number, m: Measured): Row {
  const s = summarize(m.latency.values());
  const problems = [...m.errors.map((e) => `error: ${e}`), ...(m.wrong ? [`${m.wrong} runs with a wrong result`] : [])];
  return {
    scenario: 'P4',
    case: name,
    role,
    connections: concurrency,
    rps: m.completed / m.seconds,
    meanMs: s.mean,
    p50Ms: s.p50,
    p99Ms: s.p99,
    cpuMsPerRequest: m.cpuMs,
    problems,
    details: { completed: m.completed, seconds: m.seconds, latency: s },
  };
}

export const P4: Scenario = {
  id: 'P4',
  title: 'Workflow runs input → edit_fields → output via POST /workflows/{id}/run, to completed, vs BullMQ on Redis (AOF)',
  description:
    'Closed loop: each client POSTs a run and waits for its completion (the job’s `done` event on NATS; BullMQ: ' +
    'QueueEvents `completed`), then starts the next. Ours: gateway → orchestration api (Postgres job row + ' +
    'JetStream work queue) → a separate worker process (claim, three nodes persisted, done). Peer, same launch: ' +
    'an HTTP front doing queue.add and a BullMQ worker running the same three steps (JSONata), Redis with ' +
    'appendonly yes / appendfsync everysec. Interleaved rounds; runs/s = completed runs per second.',

  async run(ctx: BenchContext): Promise<Row[]> {
    const { settings } = ctx;
    const platform = await ctx.platform();
    const concurrency = settings.quick ? 16 : 32;
    const orchestrationEnv = { ORG_CONCURRENCY_LIMIT: '10000', WORKER_CONCURRENCY: '64', DATABASE_POOL_SIZE: '20' };
    await ctx.startService('auth', {}, 'p4-auth');
    const api = await ctx.startService('orchestration', { ...orchestrationEnv, ORCHESTRATION_ROLE: 'api' }, 'p4-orchestration-api');
    const worker = await ctx.startService('orchestration', { ...orchestrationEnv, ORCHESTRATION_ROLE: 'worker' }, 'p4-orchestration-worker');
    const gateway = await ctx.startGateway({}, 'p4-gateway');

    const actor = await createActor(platform.env, 'p4');
    const api0 = client(gateway.url, actor.token);
    const org = await api0.post('/organizations', { name: 'P4 bench' });
    const headers = { authorization: `Bearer ${actor.token}`, 'x-organization-id': String(org.body.data.id), 'content-type': 'application/json' };
    const param = (value: unknown) => ({ value, isExpression: false });
    const graph = {
      nodes: [
        { id: 'input-1', type: 'input', data: { isInput: true, params: {} }, position: { x: 0, y: 0 } },
        { id: 'edit-1', type: 'edit_fields', data: { params: { expression: param(EXPRESSION) } }, position: { x: 1, y: 0 } },
        { id: 'output-1', type: 'output', data: { isOutput: true, params: {} }, position: { x: 2, y: 0 } },
      ],
      edges: [
        { id: 'e1', source: 'input-1', target: 'edit-1', sourceHandle: 'outputs', targetHandle: 'inputs' },
        { id: 'e2', source: 'edit-1', target: 'output-1', sourceHandle: 'outputs', targetHandle: 'inputs' },
      ],
    };
    const wf = (await fetch(`${gateway.url}/workflows`, { method: 'POST', headers, body: JSON.stringify({ name: 'P4', ...graph }) }).then((r) => r.json())) as { data: { id: number } };
    const runUrl = `${gateway.url}/workflows/${wf.data.id}/run`;

    const completions = new Completions();
    const nc = await connect({ servers: platform.natsUrl, noAsyncTraces: true });
    const codec = JSONCodec<{ type: string; jobId: number; status: string; result: { results: Record<string, unknown[]> } }>();
    nc.subscribe(`${platform.subjectPrefix}orchestration.job.progressed.v1.*`, {
      callback: (_err, msg) => {
        const event = codec.decode(msg.data);
        if (event.type === 'done') completions.complete(`o${event.jobId}`, event);
      },
    });

    // bullmq 6 loads its Redis driver (ioredis, an optional peer dependency) lazily; the workspace does not
    // install it yet, so a run points NODE_PATH at a directory that has it (see tools/bench/README.md).
    try {
      require.resolve('ioredis');
    } catch {
      throw new Error('BullMQ needs the ioredis package: install it (npm install --prefix /tmp/bench-deps ioredis@5) and run with NODE_PATH=/tmp/bench-deps/node_modules');
    }
    const redis = await startRedis(ctx);
    const peerEnv = {
      REDIS_URL: redis.url,
      BULLMQ_QUEUE: `p4-${ctx.runId}`,
      EXPRESSION,
      CONCURRENCY: '64',
      ...(process.env['NODE_PATH'] ? { NODE_PATH: process.env['NODE_PATH'] } : {}),
    };
    try {
      const front = await ctx.startScript('p4-bullmq-front', PEER, { ...peerEnv, BULLMQ_ROLE: 'front' }, { line: (l) => l['msg'] === 'bullmq front listening' });
      const bullWorker = await ctx.startScript('p4-bullmq-worker', PEER, { ...peerEnv, BULLMQ_ROLE: 'worker' }, { line: (l) => l['msg'] === 'bullmq worker ready' });
      const frontUrl = `http://127.0.0.1:${front.readyLine['port'] as number}/run`;
      const url = new URL(redis.url);
      const events = new QueueEvents(peerEnv.BULLMQ_QUEUE, { connection: { host: url.hostname, port: Number(url.port) } });
      await events.waitUntilReady();
      events.on('completed', ({ jobId, returnvalue }) => completions.complete(`b${jobId}`, returnvalue));

      const post = async (target: string, n: number, prefix: string) => {
        const res = await fetch(target, { method: 'POST', headers, body: JSON.stringify({ input: { name: `r${n}`, n } }) });
        const body = (await res.json()) as { data?: { id: number | string } };
        if (res.status !== 202 || body.data?.id === undefined) throw new Error(`${target} answered ${res.status}`);
        return `${prefix}${body.data.id}`;
      };
      const ours: Target = {
        name: 'workflow run (gateway → orchestration api → JetStream → worker)',
        start: (n) => post(runUrl, n, 'o'),
        processes: [
          { label: 'gateway', pid: gateway.process.child.pid },
          { label: 'orchestration-api', pid: api.child.pid },
          { label: 'orchestration-worker', pid: worker.child.pid },
        ],
      };
      const bull: Target = {
        name: 'BullMQ job (HTTP front → Redis AOF → BullMQ worker)',
        start: (n) => post(frontUrl, n, 'b'),
        processes: [
          { label: 'bullmq-front', pid: front.child.pid },
          { label: 'bullmq-worker', pid: bullWorker.child.pid },
          { label: 'redis', pid: redis.child.pid },
        ],
      };
      const expected = (value: unknown, n: number) => {
        const v = value as { result?: { results?: Record<string, unknown[]> }; results?: Record<string, unknown[]> };
        const out = (v?.result?.results ?? v?.results)?.['output-1']?.[0] as { n?: number; greeting?: string } | undefined;
        return out?.n === n + 1 && out?.greeting === `Hello r${n}`;
      };

      ctx.log(`warm-up: ${settings.warmupS} s each`);
      for (const t of [ours, bull]) await measure(t, completions, concurrency, settings.warmupS, expected);
      ctx.startProfiling();

      const rounds = Math.max(1, settings.rounds);
      const slice = settings.durationS / rounds;
      const totals = new Map<string, Measured[]>([
        [ours.name, []],
        [bull.name, []],
      ]);
      for (let r = 0; r < rounds; r++) {
        for (const t of r % 2 === 0 ? [ours, bull] : [bull, ours]) {
          ctx.checkAborted();
          totals.get(t.name)?.push(await measure(t, completions, concurrency, slice, expected));
        }
      }
      // Latency with one client at a time (no queueing behind other runs).
      const single = new Map<string, Measured>();
      for (const t of [ours, bull]) single.set(t.name, await measure(t, completions, 1, Math.max(2, slice), expected));

      const merge = (list: Measured[]): Measured => {
        const latency = new Samples();
        for (const m of list) for (const v of m.latency.values()) latency.push(v);
        const cpuMs: Record<string, number> = {};
        const completed = list.reduce((s, m) => s + m.completed, 0);
        for (const m of list) for (const [k, v] of Object.entries(m.cpuMs)) cpuMs[k] = (cpuMs[k] ?? 0) + (v * m.completed) / Math.max(1, completed);
        return {
          completed,
          errors: list.flatMap((m) => m.errors),
          wrong: list.reduce((s, m) => s + m.wrong, 0),
          seconds: list.reduce((s, m) => s + m.seconds, 0),
          latency,
          cpuMs,
        };
      };
      const oursM = merge(totals.get(ours.name) ?? []);
      const bullM = merge(totals.get(bull.name) ?? []);
      const bullRow = row(bull.name, 'baseline', concurrency, bullM);
      const oursRow = row(ours.name, 'measured', concurrency, oursM);
      const ratio = (oursRow.rps ?? 0) / Math.max(1e-9, bullRow.rps ?? 0);
      oursRow.versus = { baseline: bull.name, metric: 'runs/s ratio', value: ratio, unit: 'x' };
      oursRow.goal = {
        text: `≥ ${P4_GOALS.minRunsPerSecond} runs/s, ≥ ${P4_GOALS.minRatio.toFixed(1)}× BullMQ`,
        met: (oursRow.rps ?? 0) >= P4_GOALS.minRunsPerSecond && ratio >= P4_GOALS.minRatio,
      };
      const oursSingle = row(`${ours.name}, 1 client`, 'measured', 1, single.get(ours.name) as Measured);
      const bullSingle = row(`${bull.name}, 1 client`, 'baseline', 1, single.get(bull.name) as Measured);
      oursSingle.versus = { baseline: bullSingle.case, metric: 'added p50', value: (oursSingle.p50Ms ?? 0) - (bullSingle.p50Ms ?? 0), unit: 'ms' };
      oursSingle.goal = { text: `p50 run → completed ≤ ${P4_GOALS.maxP50Ms} ms`, met: (oursSingle.p50Ms ?? Infinity) <= P4_GOALS.maxP50Ms };
      oursRow.details = { ...oursRow.details, p50Goal: { text: `p50 ≤ ${P4_GOALS.maxP50Ms} ms at ${concurrency} clients`, met: (oursRow.p50Ms ?? Infinity) <= P4_GOALS.maxP50Ms } };
      ctx.note(
        `P4 at ${concurrency} clients: ours ${(oursRow.rps ?? 0).toFixed(0)} runs/s p50 ${(oursRow.p50Ms ?? 0).toFixed(1)} ms, ` +
          `BullMQ ${(bullRow.rps ?? 0).toFixed(0)} runs/s p50 ${(bullRow.p50Ms ?? 0).toFixed(1)} ms; 1 client p50 ours ${(oursSingle.p50Ms ?? 0).toFixed(1)} ms, BullMQ ${(bullSingle.p50Ms ?? 0).toFixed(1)} ms`,
      );
      await events.close();
      return [bullRow, oursRow, bullSingle, oursSingle];
    } finally {
      await nc.close();
      await redis.stop();
    }
  },
};
