import { CountingServer, Platform, StartedProcess, query, startCountingServer, startPlatform } from '@alien/testing';
import { storedJobEvents } from './events';
import { Member, chain, memberWithOrganization, node } from './support';

const RUNS = 1_000;

/**
 * kill -9 of a worker in the middle of 1,000 runs, with real processes: the api and two workers as
 * separate processes, a short ack wait so JetStream redelivers the dead worker's jobs quickly. Every
 * job must end exactly once (one terminal state, one `done` event) and no finished node may run
 * again (one `node.finished` per node, and the worker's "finished node re-ran" line never appears).
 */
describe('orchestration: durable execution under kill -9', () => {
  let platform: Platform;
  let alice: Member;
  let workflowId: number;

  beforeAll(async () => {
    platform = await startPlatform({
      label: 'orch-durability',
      services: ['auth', 'orchestration'],
      orchestrationWorkers: 2,
      serviceEnv: {
        orchestration: {
          JOB_ACK_WAIT_MS: '2000',
          WORKER_CONCURRENCY: '24',
          ORG_CONCURRENCY_LIMIT: '2000',
          OUTBOX_SWEEP_MS: '250',
          DATABASE_POOL_SIZE: '12',
          // Only this loopback address may be reached by http_request nodes (the SSRF test below).
          HTTP_REQUEST_ALLOWLIST: '127.0.0.2',
          JOB_MAX_ATTEMPTS: '3',
          NODE_OUTPUT_MAX_BYTES: '4096',
        },
      },
    });
    alice = await memberWithOrganization(platform.env, platform.gatewayUrl, 'durable');
    const graph = chain(
      node('input-1', 'input', {}, { isInput: true }),
      node('wait-1', 'wait', { ms: 40 }),
      node('edit-1', 'edit_fields', { expression: '{"n": n * 2}' }),
      node('wait-2', 'wait', { ms: 40 }),
      node('output-1', 'output', {}, { isOutput: true }),
    );
    workflowId = (await alice.api.post('/workflows', { name: 'Durable', ...graph })).body.data.id;
  }, 60_000);

  afterAll(async () => {
    await platform?.stop();
  });

  it('http_request: an allow-listed private address is reached (with Idempotency-Key <jobId>:<nodeId>); a redirect from it to a refused address is not followed', async () => {
    let allowed: CountingServer | undefined;
    let forbidden: CountingServer | undefined;
    try {
      allowed = await startCountingServer({ host: '127.0.0.2' });
      forbidden = await startCountingServer();
      const run = async (url: string) => {
        const graph = chain(node('input-1', 'input', {}, { isInput: true }), node('http-1', 'http_request', { url }), node('output-1', 'output', {}, { isOutput: true }));
        const wf = (await alice.api.post('/workflows', { name: `allow ${Math.random()}`, ...graph })).body.data;
        return (await alice.api.post(`/workflows/${wf.id}/run-sync`, {})).body.data;
      };
      const ok = await run(`${allowed.url}/hello`);
      expect(ok.status).toBe('completed');
      expect(ok.result.results['output-1'][0]).toMatchObject({ status: 200 });
      expect(allowed.idempotencyKeys('/hello')).toEqual([`${ok.id}:http-1`]);
      for (const target of [`${forbidden.url}/secret`, 'http://169.254.169.254/latest/meta-data/']) {
        const redirected = await run(`${allowed.url}/redirect?to=${encodeURIComponent(target)}`);
        expect(redirected.status).toBe('failed');
        expect(redirected.error).toMatchObject({ code: 'ssrf_refused', nodeId: 'http-1' });
      }
      expect(forbidden.hits()).toBe(0);
      expect((await run(`${forbidden.url}/secret`)).error).toMatchObject({ code: 'ssrf_refused' });
      expect(forbidden.hits()).toBe(0);
    } finally {
      await allowed?.stop();
      await forbidden?.stop();
    }
  });

  it('cuts an output over NODE_OUTPUT_MAX_BYTES and marks it truncated; the job still completes', async () => {
    const graph = chain(
      node('input-1', 'input', {}, { isInput: true }),
      node('big-1', 'edit_fields', { expression: '{"text": $pad("", 20000, "x")}' }),
      node('output-1', 'output', {}, { isOutput: true }),
    );
    const wf = (await alice.api.post('/workflows', { name: 'Big output', ...graph })).body.data;
    const job = (await alice.api.post(`/workflows/${wf.id}/run-sync`, {})).body.data;
    expect(job.status).toBe('completed');
    const big = job.nodes.find((n: any) => n.id === 'big-1');
    expect(big.data.outputs[0]).toMatchObject({ truncated: true });
    const context = (await alice.api.get(`/jobs/${job.id}/compute-context`)).body.data;
    expect(context.nodes.find((n: any) => n.nodeId === 'big-1')).toMatchObject({ truncated: true });
  });

  it('ends every job exactly once and never re-runs a finished node', async () => {
    const doneCount = async () =>
      (await query<{ n: number }>(platform.databaseUrl, `SELECT count(*)::int AS n FROM orchestration.jobs WHERE status IN ('completed', 'failed', 'cancelled')`))[0]?.n ?? 0;

    // Submit the runs through the gateway, 25 at a time.
    const ids: number[] = [];
    let next = 0;
    const submit = async () => {
      while (next < RUNS) {
        const n = next++;
        const res = await alice.api.post(`/workflows/${workflowId}/run`, { input: { n } });
        if (res.status !== 202) throw new Error(`run ${n}: ${res.status} ${res.text}`);
        ids.push(res.body.data.id);
      }
    };
    const submitting = Promise.all(Array.from({ length: 25 }, submit));

    // Kill one worker in the middle: some of its jobs are between nodes, some inside one.
    const victim = platform.processes.get('orchestration-worker-1');
    if (!victim) throw new Error('no worker process');
    const deadline = Date.now() + 60_000;
    while ((await doneCount()) < RUNS * 0.3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    victim.child.kill('SIGKILL');
    const killedAt = await doneCount();
    await submitting;
    // A replacement worker joins (as a Deployment would restart the pod).
    const replacement = await platform.startOrchestrationWorker();

    while ((await doneCount()) < RUNS && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect(killedAt).toBeLessThan(RUNS);

    const jobs = await query<{ id: number; status: string; attempts: number; result: any }>(
      platform.databaseUrl,
      `SELECT id, status, attempts, result FROM orchestration.jobs WHERE id = ANY($1::int[])`,
      [ids],
    );
    expect(jobs).toHaveLength(RUNS);
    expect(jobs.filter((j) => j.status !== 'completed').map((j) => `${j.id}:${j.status}`)).toEqual([]);
    // Inputs were 0..999; each answer is n * 2 exactly once.
    const answers = jobs.map((j) => j.result.results['output-1'][0].n).sort((a: number, b: number) => a - b);
    expect(answers).toEqual(Array.from({ length: RUNS }, (_, n) => n * 2));

    // The kill interrupted jobs, and they resumed elsewhere after their finished nodes.
    const resumed = jobs.filter((j) => j.attempts > 1);
    expect(resumed.length).toBeGreaterThan(0);
    const spread = await query<{ job_id: number; attempts: number[] }>(
      platform.databaseUrl,
      `SELECT job_id, array_agg(DISTINCT attempt ORDER BY attempt) AS attempts FROM orchestration.job_nodes
       WHERE job_id = ANY($1::int[]) GROUP BY job_id`,
      [resumed.map((j) => j.id)],
    );
    expect(spread.some((s) => s.attempts.length > 1)).toBe(true);
    const nodes = await query<{ n: number }>(platform.databaseUrl, `SELECT count(*)::int AS n FROM orchestration.job_nodes WHERE job_id = ANY($1::int[])`, [ids]);
    expect(nodes[0]?.n).toBe(RUNS * 5);

    // What SSE clients see: one `done` per job, at most one `node.finished` per node.
    const events = await storedJobEvents(platform.natsUrl, platform.subjectPrefix);
    const done = new Map<number, number>();
    const finished = new Map<string, number>();
    for (const e of events) {
      if (e.data.type === 'done') done.set(e.jobId, (done.get(e.jobId) ?? 0) + 1);
      if (e.data.event === 'node.finished') finished.set(`${e.jobId}/${e.data.nodeId}`, (finished.get(`${e.jobId}/${e.data.nodeId}`) ?? 0) + 1);
    }
    expect(ids.filter((id) => done.get(id) !== 1)).toEqual([]);
    expect([...finished.entries()].filter(([, n]) => n > 1)).toEqual([]);

    const reran = [...platform.processes.values()].flatMap((p) => p.lines.filter((l) => l.msg === 'finished node re-ran'));
    expect(reran).toEqual([]);
    expect(replacement.lines.some((l) => l.level === 'fatal')).toBe(false);
  }, 120_000);

  it('a job of pure nodes only (kept in memory, one finishing write) killed mid-run is redelivered and completes exactly once', async () => {
    // input → three busy edit_fields → output: no side effects, so the worker writes the node rows
    // with the job's end. The kill hits jobs that ran some nodes in memory and wrote nothing yet.
    const busy = '$count([1..300000])';
    const graph = chain(
      node('input-1', 'input', {}, { isInput: true }),
      node('edit-1', 'edit_fields', { expression: `{"n": n * 3, "w": ${busy}}` }),
      node('edit-2', 'edit_fields', { expression: `{"n": n, "w": ${busy}}` }),
      node('edit-3', 'edit_fields', { expression: `{"n": n, "w": ${busy}}` }),
      node('output-1', 'output', {}, { isOutput: true }),
    );
    const wf = (await alice.api.post('/workflows', { name: 'Pure under kill', ...graph })).body.data;
    const PURE_RUNS = 300;
    const ids: number[] = [];
    let next = 0;
    const submit = async () => {
      while (next < PURE_RUNS) {
        const n = next++;
        const res = await alice.api.post(`/workflows/${wf.id}/run`, { input: { n } });
        if (res.status !== 202) throw new Error(`run ${n}: ${res.status} ${res.text}`);
        ids.push(res.body.data.id);
      }
    };
    const submitting = Promise.all(Array.from({ length: 25 }, submit));

    // Kill a worker while it holds running jobs of this workflow (again, with a fresh worker each
    // time, should the jobs it held all have finished between the look and the kill).
    const deadline = Date.now() + 60_000;
    const victimJobs: number[] = [];
    const replacements: StartedProcess[] = [];
    for (let kills = 0; victimJobs.length === 0 && kills < 3 && Date.now() < deadline; ) {
      const [busiest] = await query<{ worker: string; n: number }>(
        platform.databaseUrl,
        `SELECT worker, count(*)::int AS n FROM orchestration.jobs WHERE workflow_id = $1 AND status = 'running' GROUP BY worker ORDER BY 2 DESC LIMIT 1`,
        [wf.id],
      );
      const proc = busiest ? [...platform.processes.values()].find((p) => p.child.exitCode === null && busiest.worker.endsWith(`-${p.child.pid}`)) : undefined;
      if (!proc || !busiest) {
        await new Promise((r) => setTimeout(r, 5));
        continue;
      }
      const exited = new Promise((r) => proc.child.once('exit', r));
      proc.child.kill('SIGKILL');
      await exited;
      kills++;
      // What the dead worker held and can no longer finish.
      const held = await query<{ id: number }>(
        platform.databaseUrl,
        `SELECT id FROM orchestration.jobs WHERE workflow_id = $1 AND status = 'running' AND worker = $2`,
        [wf.id, busiest.worker],
      );
      victimJobs.push(...held.map((r) => r.id));
      // A replacement joins (as a Deployment would restart the pod).
      replacements.push(await platform.startOrchestrationWorker());
    }
    await submitting;

    const finished = async () =>
      (await query<{ n: number }>(platform.databaseUrl, `SELECT count(*)::int AS n FROM orchestration.jobs WHERE workflow_id = $1 AND status IN ('completed', 'failed', 'cancelled')`, [wf.id]))[0]?.n ?? 0;
    while ((await finished()) < PURE_RUNS && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));

    const jobs = await query<{ id: number; status: string; attempts: number; result: any }>(
      platform.databaseUrl,
      `SELECT id, status, attempts, result FROM orchestration.jobs WHERE id = ANY($1::int[])`,
      [ids],
    );
    expect(jobs).toHaveLength(PURE_RUNS);
    expect(jobs.filter((j) => j.status !== 'completed').map((j) => `${j.id}:${j.status}`)).toEqual([]);
    expect(jobs.map((j) => j.result.results['output-1'][0].n).sort((a: number, b: number) => a - b)).toEqual(Array.from({ length: PURE_RUNS }, (_, n) => n * 3));
    // The jobs the victim held were delivered again and finished by another worker.
    const redelivered = jobs.filter((j) => victimJobs.includes(j.id));
    expect(redelivered.length).toBeGreaterThan(0);
    expect(redelivered.every((j) => j.attempts >= 2)).toBe(true);
    // Every node row once, written by the attempt that finished the job.
    const rows = await query<{ job_id: number; n: number; attempts: number[] }>(
      platform.databaseUrl,
      `SELECT job_id, count(*)::int AS n, array_agg(DISTINCT attempt) AS attempts FROM orchestration.job_nodes WHERE job_id = ANY($1::int[]) GROUP BY job_id`,
      [ids],
    );
    expect(rows).toHaveLength(PURE_RUNS);
    expect(rows.filter((r) => r.n !== 5 || r.attempts.length !== 1)).toEqual([]);

    // SSE: one `done` per job, and no node seen finishing twice (the killed attempt published nothing).
    const events = (await storedJobEvents(platform.natsUrl, platform.subjectPrefix)).filter((e) => ids.includes(e.jobId));
    const done = new Map<number, number>();
    const nodeFinished = new Map<string, number>();
    for (const e of events) {
      if (e.data.type === 'done') done.set(e.jobId, (done.get(e.jobId) ?? 0) + 1);
      if (e.data.event === 'node.finished') nodeFinished.set(`${e.jobId}/${e.data.nodeId}`, (nodeFinished.get(`${e.jobId}/${e.data.nodeId}`) ?? 0) + 1);
    }
    expect(ids.filter((id) => done.get(id) !== 1)).toEqual([]);
    // At most once, not exactly once: a worker killed right after the finishing write never sends that
    // job's node events; the next delivery finds the job ended and sends only its `done` (whole result).
    expect([...nodeFinished.entries()].filter(([, n]) => n > 1)).toEqual([]);
    expect(nodeFinished.size).toBeGreaterThan(0);
    const reran = [...platform.processes.values()].flatMap((p) => p.lines.filter((l) => l.msg === 'finished node re-ran'));
    expect(reran).toEqual([]);
    expect(replacements.flatMap((r) => r.lines).some((l) => l.level === 'fatal')).toBe(false);
  }, 120_000);

  it('fails a job with a dead-letter reason when its workers keep dying (bounded redelivery)', async () => {
    const graph = chain(node('input-1', 'input', {}, { isInput: true }), node('wait-1', 'wait', { ms: 60_000 }), node('output-1', 'output', {}, { isOutput: true }));
    const wf = (await alice.api.post('/workflows', { name: 'Doomed', ...graph })).body.data;
    const job = (await alice.api.post(`/workflows/${wf.id}/run`, {})).body.data;
    const holder = async (attempt: number) => {
      const deadline = Date.now() + 20_000;
      for (;;) {
        const [row] = await query<{ worker: string | null; attempts: number; status: string }>(
          platform.databaseUrl,
          'SELECT worker, attempts, status FROM orchestration.jobs WHERE id = $1',
          [job.id],
        );
        if (row && row.status === 'running' && row.attempts === attempt && row.worker) return row.worker;
        if (Date.now() > deadline) throw new Error(`attempt ${attempt} never started: ${JSON.stringify(row)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    // Three deliveries, each worker killed in the middle of the wait node; the fourth gives up.
    for (let attempt = 1; attempt <= 3; attempt++) {
      const worker = await holder(attempt);
      const victim = [...platform.processes.values()].find((p) => worker.endsWith(`-${p.child.pid}`));
      if (!victim) throw new Error(`no process for worker ${worker}`);
      victim.child.kill('SIGKILL');
      await platform.startOrchestrationWorker();
    }
    const deadline = Date.now() + 30_000;
    let final: any;
    while (Date.now() < deadline) {
      final = (await alice.api.get(`/jobs/${job.id}`)).body.data;
      if (final.status !== 'running' && final.status !== 'pending') break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(final).toMatchObject({ status: 'failed', error: { code: 'dead_lettered' } });
    const context = (await alice.api.get(`/jobs/${job.id}/compute-context`)).body.data;
    expect(context.deadLetterReason).toMatch(/3 attempts/);
    const events = (await storedJobEvents(platform.natsUrl, platform.subjectPrefix)).filter((e) => e.jobId === job.id && e.data.type === 'done');
    expect(events.map((e) => e.data.status)).toEqual(['failed']);
  }, 90_000);
});
