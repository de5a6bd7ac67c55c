import { client, createActor, query } from '@alien/testing';
import { readFileSync } from 'node:fs';
import { Socket, connect as tcpConnect } from 'node:net';
import { JSONCodec, connect } from 'nats';
import type { BenchContext } from '../context';
import { cpuSeconds } from '../cpu';
import type { Row, Scenario } from '../scenario';
import { summarize } from '../stats';

/** Goals from the issue. */
export const P5_GOALS = { streams: 10_000, maxKbPerStream: 30 } as const;

/** Resident memory of a process, bytes (Linux /proc). */
function rss(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmRSS:'));
  return Number(/(\d+)/.exec(line ?? '')?.[1] ?? NaN) * 1024;
}

interface Stream {
  jobId: number;
  socket: Socket;
  /** `event:` names received, in order. */
  events: string[];
  ids: number[];
  status: number;
  initAt?: number;
  doneAt?: number;
  firstUpdateAt?: number;
  closed: boolean;
  buffer: string;
}

/** Parses SSE blocks out of decoded text; calls back per event. */
function consume(stream: Stream, text: string, onEvent: (s: Stream) => void): void {
  stream.buffer += text;
  let split: number;
  while ((split = stream.buffer.indexOf('\n\n')) >= 0) {
    const block = stream.buffer.slice(0, split);
    stream.buffer = stream.buffer.slice(split + 2);
    let name: string | undefined;
    for (const line of block.split('\n')) {
      if (line.startsWith('event: ')) name = line.slice(7);
      else if (line.startsWith('id: ')) stream.ids.push(Number(line.slice(4)));
    }
    if (!name) continue;
    stream.events.push(name);
    const now = performance.now();
    if (name === 'init') stream.initAt = now;
    if (name === 'update' && stream.firstUpdateAt === undefined) stream.firstUpdateAt = now;
    if (name === 'done') stream.doneAt = now;
    onEvent(stream);
  }
}

/** One SSE client on a raw socket (cheap enough to run 10,000 in the bench process), chunked decoding included. */
function openStream(host: string, port: number, path: string, headers: Record<string, string>, jobId: number, onEvent: (s: Stream) => void): Promise<Stream> {
  return new Promise((resolve, reject) => {
    const socket = tcpConnect({ host, port });
    const stream: Stream = { jobId, socket, events: [], ids: [], status: 0, closed: false, buffer: '' };
    let raw: Buffer = Buffer.alloc(0);
    let headed = false;
    let chunked = false;
    socket.once('error', (e) => {
      stream.closed = true;
      if (!headed) reject(e);
    });
    socket.on('close', () => {
      stream.closed = true;
      if (!headed) reject(new Error('closed before the response'));
    });
    socket.on('data', (data: Buffer) => {
      raw = raw.length ? Buffer.concat([raw, data]) : data;
      if (!headed) {
        const end = raw.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = raw.subarray(0, end).toString('latin1').toLowerCase();
        stream.status = Number(head.slice(9, 12));
        chunked = head.includes('transfer-encoding: chunked');
        raw = raw.subarray(end + 4);
        headed = true;
        if (stream.status !== 200) return reject(new Error(`status ${stream.status}`));
        resolve(stream);
      }
      if (!chunked) {
        consume(stream, raw.toString('utf8'), onEvent);
        raw = Buffer.alloc(0);
        return;
      }
      for (;;) {
        const lineEnd = raw.indexOf('\r\n');
        if (lineEnd < 0) return;
        const size = parseInt(raw.subarray(0, lineEnd).toString('latin1'), 16);
        if (raw.length < lineEnd + 2 + size + 2) return;
        consume(stream, raw.subarray(lineEnd + 2, lineEnd + 2 + size).toString('utf8'), onEvent);
        raw = raw.subarray(lineEnd + 2 + size + 2);
        if (size === 0) return;
      }
    });
    const lines = [`GET ${path} HTTP/1.1`, `host: ${host}:${port}`, 'accept: text/event-stream', ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`), '', ''];
    socket.write(lines.join('\r\n'));
  });
}

export const P5: Scenario = {
  id: 'P5',
  title: `${P5_GOALS.streams.toLocaleString('en-US')} concurrent job streams (SSE) on one gateway`,
  description:
    'Opens that many GET /jobs/{id}/stream on one gateway, one per job (jobs of one organization, stored as running ' +
    'rows), each getting its init; then publishes two updates and a done per job on the jobs’ JetStream subjects, ' +
    'as workers do. Every stream must receive init, update, update, done (and close). Gateway memory per stream = ' +
    'RSS growth from before the streams to all open, divided by the streams.',

  async run(ctx: BenchContext): Promise<Row[]> {
    const { settings } = ctx;
    const streams = settings.quick ? 1_000 : P5_GOALS.streams;
    const platform = await ctx.platform();
    await ctx.startService('auth', {}, 'p5-auth');
    await ctx.startService('orchestration', { ORCHESTRATION_ROLE: 'api', DATABASE_POOL_SIZE: '20' }, 'p5-orchestration-api');
    // One organization holds every stream here: its per-organization cap (2,000 by default) is lifted.
    const gateway = await ctx.startGateway({ RPC_TIMEOUT_MS: '30000', JOB_STREAMS_PER_ORGANIZATION: '1000000' }, 'p5-gateway');
    const url = new URL(gateway.url);
    const actor = await createActor(platform.env, 'p5');
    const api = client(gateway.url, actor.token);
    const org = (await api.post('/organizations', { name: 'P5 bench' })).body.data.id as number;
    const headers = { authorization: `Bearer ${actor.token}`, 'x-organization-id': String(org) };
    const wf = await fetch(`${gateway.url}/workflows`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'P5', nodes: [{ id: 'input-1', type: 'input', data: { isInput: true } }], edges: [] }),
    }).then((r) => r.json() as Promise<{ data: { id: number } }>);
    const jobs = await query<{ id: number }>(
      platform.databaseUrl,
      `INSERT INTO orchestration.jobs (slug, organization_id, user_id, workflow_id, graph_version, graph, status, progress, started_at, admitted_at, published_at, worker)
       SELECT 'job-p5-' || g, $1, $2, $3, 1, '{"nodes":[],"edges":[]}', 'running', 10, now(), now(), now(), 'p5-bench'
       FROM generate_series(1, $4) g RETURNING id`,
      [org, actor.userId, wf.data.id, streams],
    );

    // Warm the gateway (routes, token cache, job event feed) with one stream, then take the baseline.
    const warm = await openStream(url.hostname, Number(url.port), `/jobs/${jobs[0]?.id}/stream`, headers, jobs[0]?.id as number, () => undefined);
    await new Promise((r) => setTimeout(r, 500));
    warm.socket.destroy();
    await new Promise((r) => setTimeout(r, 1_000));
    const pid = gateway.process.child.pid;
    const rssBefore = rss(pid);
    const cpuBefore = cpuSeconds(pid);

    ctx.log(`opening ${streams} streams`);
    const opened: Stream[] = [];
    const failures: string[] = [];
    let initCount = 0;
    let doneCount = 0;
    const onEvent = (s: Stream) => {
      const last = s.events[s.events.length - 1];
      if (last === 'init') initCount++;
      if (last === 'done') doneCount++;
    };
    const openStarted = performance.now();
    const batch = 250;
    for (let i = 0; i < jobs.length; i += batch) {
      ctx.checkAborted();
      const results = await Promise.allSettled(
        jobs.slice(i, i + batch).map((j) => openStream(url.hostname, Number(url.port), `/jobs/${j.id}/stream`, headers, j.id, onEvent)),
      );
      for (const r of results) {
        if (r.status === 'fulfilled') opened.push(r.value);
        else if (failures.length < 20) failures.push(String(r.reason?.message ?? r.reason));
      }
    }
    const initDeadline = Date.now() + 60_000;
    while (initCount < opened.length && Date.now() < initDeadline) await new Promise((r) => setTimeout(r, 100));
    const openSeconds = (performance.now() - openStarted) / 1000;
    await new Promise((r) => setTimeout(r, 2_000));
    const rssOpen = rss(pid);
    const kbPerStream = (rssOpen - rssBefore) / 1024 / Math.max(1, opened.length);
    ctx.log(`${opened.length} open, ${initCount} inits in ${openSeconds.toFixed(1)} s; gateway RSS ${(rssBefore / 2 ** 20).toFixed(0)} → ${(rssOpen / 2 ** 20).toFixed(0)} MiB`);

    // Events, as workers publish them: two updates and a done per job, on JetStream.
    const nc = await connect({ servers: platform.natsUrl, noAsyncTraces: true });
    const js = nc.jetstream();
    const codec = JSONCodec();
    const subject = (id: number) => `${platform.subjectPrefix}orchestration.job.progressed.v1.${id}`;
    const event = (id: number, type: 'update' | 'done', progress: number) => ({
      type,
      event: type === 'done' ? 'status' : 'node.finished',
      jobId: id,
      status: type === 'done' ? 'completed' : 'running',
      progress,
      result: type === 'done' ? { results: { 'input-1': [{ id }] }, stream: {} } : { results: {} },
      at: new Date().toISOString(),
    });
    const publishStarted = performance.now();
    let doneWave = publishStarted;
    for (const [type, progress] of [
      ['update', 40],
      ['update', 70],
      ['done', 100],
    ] as const) {
      const pending: Promise<unknown>[] = [];
      if (type === 'done') doneWave = performance.now();
      for (const j of jobs) pending.push(js.publish(subject(j.id), codec.encode(event(j.id, type, progress))));
      await Promise.all(pending);
    }
    const doneDeadline = Date.now() + 60_000;
    while (doneCount < opened.length && Date.now() < doneDeadline) await new Promise((r) => setTimeout(r, 100));
    const deliverSeconds = (performance.now() - publishStarted) / 1000;
    const cpuAfter = cpuSeconds(pid);
    await nc.close();

    const complete = opened.filter((s) => s.events.join(',') === 'init,update,update,done');
    const wrong = opened.length - complete.length;
    // From the start of the `done` wave (10,000 publishes, acked) to each stream's `done`.
    const latency = summarize(complete.map((s) => (s.doneAt as number) - doneWave));
    for (const s of opened) s.socket.destroy();
    const problems = [
      ...failures.map((f) => `open failed: ${f}`),
      ...(opened.length < streams ? [`${streams - opened.length} streams did not open`] : []),
      ...(wrong ? [`${wrong} streams did not receive exactly init, update, update, done (e.g. ${opened.find((s) => s.events.join(',') !== 'init,update,update,done')?.events.join(',')})`] : []),
    ];
    const row: Row = {
      scenario: 'P5',
      case: `${streams.toLocaleString('en-US')} SSE streams, one job each`,
      role: 'measured',
      connections: opened.length,
      meanMs: latency.mean,
      p50Ms: latency.p50,
      p99Ms: latency.p99,
      problems,
      goal: {
        text: `${P5_GOALS.streams.toLocaleString('en-US')} streams, each receiving its events, ≤ ${P5_GOALS.maxKbPerStream} KB gateway memory per stream`,
        met: !settings.quick && complete.length >= P5_GOALS.streams && kbPerStream <= P5_GOALS.maxKbPerStream,
      },
      details: {
        opened: opened.length,
        complete: complete.length,
        openSeconds,
        deliverSeconds,
        gatewayRssBeforeMiB: rssBefore / 2 ** 20,
        gatewayRssOpenMiB: rssOpen / 2 ** 20,
        kbPerStream,
        gatewayCpuSeconds: cpuBefore !== undefined && cpuAfter !== undefined ? cpuAfter - cpuBefore : undefined,
        deliveryLatencyMs: latency,
      },
    };
    ctx.note(
      `P5: ${complete.length}/${streams} streams got init, update, update, done; gateway memory ${kbPerStream.toFixed(1)} KB per stream ` +
        `(RSS ${(rssBefore / 2 ** 20).toFixed(0)} → ${(rssOpen / 2 ** 20).toFixed(0)} MiB); opened in ${openSeconds.toFixed(1)} s; ` +
        `all events delivered ${deliverSeconds.toFixed(1)} s after the first publish (each done p50 ${latency.p50.toFixed(0)} ms, p99 ${latency.p99.toFixed(0)} ms after its wave of ${jobs.length} publishes began)`,
    );
    return [row];
  },
};
