import { startExtraGateway, sharedPlatform } from '../support/env';
import { eventually } from '../foundation/envelope-assertions';
import { storedJobEvents } from './events';
import { Member, chain, edge, memberWithOrganization, node, readSse, threeSteps, waitForJob } from './support';

const { gatewayUrl, env } = sharedPlatform();
const natsUrl = process.env['E2E_NATS_URL'] as string;
const subjectPrefix = process.env['E2E_SUBJECT_PREFIX'] as string;

/** `GET /jobs/{id}/stream`: served by the gateway from JetStream, resumable with Last-Event-ID. */
describe('orchestration: job event streams (SSE)', () => {
  let alice: Member;
  let slowWorkflow: number;
  const headers = () => ({ authorization: `Bearer ${alice.token}`, 'x-organization-id': String(alice.organizationId) });
  /** A job's stored events, once its `done` is among them. */
  const eventsOf = async (jobId: number) => {
    const deadline = Date.now() + 5_000;
    for (;;) {
      const events = (await storedJobEvents(natsUrl, subjectPrefix)).filter((e) => e.jobId === jobId);
      if (events.some((e) => e.data.type === 'done') || Date.now() > deadline) return events;
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  beforeAll(async () => {
    alice = await memberWithOrganization(env, gatewayUrl, 'sse');
    const graph = chain(
      node('input-1', 'input', {}, { isInput: true }),
      node('wait-1', 'wait', { ms: 300 }),
      node('edit-1', 'edit_fields', { expression: '{"twice": n * 2}' }),
      node('wait-2', 'wait', { ms: 300 }),
      node('wait-3', 'wait', { ms: 300 }),
      node('output-1', 'output', {}, { isOutput: true }),
    );
    slowWorkflow = (await alice.api.post('/workflows', { name: 'Slow stream', ...graph })).body.data.id;
  });

  it('resumes with Last-Event-ID after a disconnect: no gap, no duplicate, then done and close', async () => {
    const job = (await alice.api.post(`/workflows/${slowWorkflow}/run`, { input: { n: 21 } })).body.data;
    // First connection: init, then two updates, then the client drops.
    const first = await readSse(`${gatewayUrl}/jobs/${job.id}/stream`, headers(), {
      until: (_e, all) => all.filter((x) => x.data.type === 'update').length >= 2,
    });
    expect(first.events[0]?.data.type).toBe('init');
    const lastId = first.events[first.events.length - 1]?.id as string;
    // Second connection resumes after the last id it saw.
    const second = await readSse(`${gatewayUrl}/jobs/${job.id}/stream`, { ...headers(), 'last-event-id': lastId }, { timeoutMs: 20_000 });
    expect(second.status).toBe(200);
    expect(second.events.map((e) => e.data.type)).not.toContain('init');
    expect(second.events[second.events.length - 1]?.data).toMatchObject({ type: 'done', status: 'completed' });

    const received = [...first.events.slice(1), ...second.events].map((e) => Number(e.id));
    expect(new Set(received).size).toBe(received.length);
    expect([...received].sort((a, b) => a - b)).toEqual(received);
    // Exactly the events JetStream holds for this job after init's id.
    const stored = (await storedJobEvents(natsUrl, subjectPrefix)).filter((e) => e.jobId === job.id);
    const initId = Number(first.events[0]?.id);
    expect(received).toEqual(stored.map((e) => e.seq).filter((seq) => seq > initId));
    const done = second.events[second.events.length - 1]?.data;
    expect(done.result.results['output-1'][0]).toEqual({ twice: 42 });
  });

  it('gives a client that ignores `event:` lines everything it needs in data: type, status, result; init carries the state so far', async () => {
    const job = (await alice.api.post(`/workflows/${slowWorkflow}/run`, { input: { n: 5 } })).body.data;
    // Join late: the job already finished some nodes.
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      const current = (await alice.api.get(`/jobs/${job.id}`)).body.data;
      if (current.nodes.find((n: any) => n.id === 'edit-1')?.data.isExecuted) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    const res = await readSse(`${gatewayUrl}/jobs/${job.id}/stream`, headers(), { timeoutMs: 20_000 });
    const data = res.events.map((e) => e.data);
    expect(data[0]).toMatchObject({ type: 'init', status: 'running' });
    expect(data[0].progress).toBeGreaterThan(0);
    expect(data.every((d) => typeof d.type === 'string' && typeof d.status === 'string' && typeof d.result === 'object')).toBe(true);
    const last = data[data.length - 1];
    expect(last).toMatchObject({ type: 'done', status: 'completed' });
    expect(last.result.results['output-1'][0]).toEqual({ twice: 10 });
  });

  it('a job of pure nodes publishes one node.finished per node (with its output and result delta), then done', async () => {
    const wf = (await alice.api.post('/workflows', { name: 'Pure events', ...threeSteps() })).body.data;
    const job = (await alice.api.post(`/workflows/${wf.id}/run-sync`, { input: { name: 'Ada', n: 1 } })).body.data;
    expect(job.status).toBe('completed');
    const stored = (await eventsOf(job.id)).map((e) => e.data);
    // Kept in memory until the finishing write: each node's start would arrive after the fact, so only its end is sent.
    expect(stored.map((d) => (d.type === 'done' ? 'done' : `${d.event} ${d.nodeId}`))).toEqual([
      'node.finished input-1',
      'node.finished edit-1',
      'node.finished output-1',
      'done',
    ]);
    expect(stored[1]).toMatchObject({ type: 'update', status: 'running', output: { greeting: 'Hello Ada', n: 2 } });
    expect(stored[2]).toMatchObject({ result: { results: { 'output-1': [{ greeting: 'Hello Ada', n: 2 }] } } });
    expect(stored[3]).toMatchObject({ type: 'done', status: 'completed', progress: 100, result: { results: { 'output-1': [{ greeting: 'Hello Ada', n: 2 }] } } });
    // A node with side effects still announces its start as it starts (the slow workflow's waits).
    const slow = (await alice.api.post(`/workflows/${slowWorkflow}/run-sync`, { input: { n: 2 } })).body.data;
    const kinds = (await eventsOf(slow.id)).map((e) => `${e.data.event} ${e.data.nodeId ?? ''}`.trim());
    expect(kinds.filter((k) => k.startsWith('node.started'))).toEqual(['node.started wait-1', 'node.started wait-2', 'node.started wait-3']);
    expect(kinds.filter((k) => k.startsWith('node.finished'))).toHaveLength(6);
  });

  it('sends heartbeat comments and closes after the maximum duration (short limits on an extra gateway)', async () => {
    const gateway = await startExtraGateway({ JOB_STREAM_HEARTBEAT_MS: '200', JOB_STREAM_MAX_MS: '1500' }, 'gateway-sse-limits');
    try {
      const job = (
        await alice.api.post('/workflows', {
          name: 'Very slow',
          ...chain(node('input-1', 'input', {}, { isInput: true }), node('wait-1', 'wait', { ms: 5_000 }), node('output-1', 'output', {}, { isOutput: true })),
        })
      ).body.data;
      const run = (await alice.api.post(`/workflows/${job.id}/run`, {})).body.data;
      const started = Date.now();
      const res = await readSse(`${gateway.url}/jobs/${run.id}/stream`, headers(), { timeoutMs: 10_000 });
      const elapsed = Date.now() - started;
      expect(res.comments.length).toBeGreaterThanOrEqual(3);
      expect(elapsed).toBeGreaterThanOrEqual(1_400);
      expect(elapsed).toBeLessThan(4_000);
      expect(res.events.map((e) => e.data.type)).not.toContain('done');
      await alice.api.post(`/jobs/${run.id}/cancel`);
    } finally {
      await gateway.stop();
    }
  });

  it('an organization holds at most JOB_STREAMS_PER_ORGANIZATION open streams per gateway: one more is 429 too_many_streams, a closed one frees its place', async () => {
    const gateway = await startExtraGateway({ JOB_STREAMS_PER_ORGANIZATION: '2' }, 'gateway-sse-cap');
    const other = await memberWithOrganization(env, gatewayUrl, 'sse-cap-other');
    const slow = (
      await alice.api.post('/workflows', { name: 'Capped streams', ...chain(node('input-1', 'input', {}, { isInput: true }), node('wait-1', 'wait', { ms: 10_000 })) })
    ).body.data;
    const run = (await alice.api.post(`/workflows/${slow.id}/run`, {})).body.data;
    const otherWf = (await other.api.post('/workflows', { name: 'Other capped', ...chain(node('input-1', 'input', {}, { isInput: true }), node('wait-1', 'wait', { ms: 10_000 })) })).body.data;
    const otherRun = (await other.api.post(`/workflows/${otherWf.id}/run`, {})).body.data;
    const open = async (jobId: number, h: Record<string, string>) => {
      const aborter = new AbortController();
      const res = await fetch(`${gateway.url}/jobs/${jobId}/stream`, { headers: h, signal: aborter.signal });
      return { res, close: () => aborter.abort() };
    };
    const held: { close(): void }[] = [];
    try {
      for (let i = 0; i < 2; i++) {
        const s = await open(run.id, headers());
        expect(s.res.status).toBe(200);
        held.push(s);
      }
      const refused = await open(run.id, headers());
      expect(refused.res.status).toBe(429);
      expect(await refused.res.json()).toMatchObject({ success: false, error: { status: 429, code: 'too_many_streams' } });
      // Another organization is not affected.
      const theirs = await open(otherRun.id, { authorization: `Bearer ${other.token}`, 'x-organization-id': String(other.organizationId) });
      expect(theirs.res.status).toBe(200);
      held.push(theirs);
      // A client that leaves frees its place.
      held.shift()?.close();
      await eventually(async () => {
        const again = await open(run.id, headers());
        if (again.res.status === 200) held.push(again);
        else again.close();
        return again.res.status === 200;
      }, 5_000);
    } finally {
      for (const s of held) s.close();
      await alice.api.post(`/jobs/${run.id}/cancel`);
      await other.api.post(`/jobs/${otherRun.id}/cancel`);
      await gateway.stop();
    }
  });

  it('a Last-Event-ID this job never sent (beyond its last event) starts over with init instead of swallowing every event', async () => {
    // Found by the outside-in pass: `Last-Event-ID: 999999999` on a running job suppressed every later
    // event, done included (each had a smaller id), so the client heard nothing until the 5-minute close.
    const job = (await alice.api.post(`/workflows/${slowWorkflow}/run`, { input: { n: 4 } })).body.data;
    const res = await readSse(`${gatewayUrl}/jobs/${job.id}/stream`, { ...headers(), 'last-event-id': '999999999' }, { timeoutMs: 10_000 });
    expect(res.status).toBe(200);
    expect(res.events[0]?.data).toMatchObject({ type: 'init', jobId: job.id });
    expect(Number(res.events[0]?.id)).toBeLessThan(999999999);
    expect(res.events[res.events.length - 1]?.data).toMatchObject({ type: 'done', status: 'completed' });
    expect(res.events[res.events.length - 1]?.data.result.results['output-1'][0]).toEqual({ twice: 8 });
    // A finished job answers the same way: init (the whole state), done.
    const again = await readSse(`${gatewayUrl}/jobs/${job.id}/stream`, { ...headers(), 'last-event-id': '999999999' });
    expect(again.events.map((e) => e.data.type)).toEqual(['init', 'done']);
    expect(Number(again.events[1]?.id)).toBeLessThan(999999999);
  });

  it('a job whose final result is larger than NATS carries still ends its stream with done (result left out, resultOmitted) and run-sync answers at once', async () => {
    // Found by the outside-in pass: two 600 KB outputs made `done` exceed max_payload; its publish
    // failed, so SSE clients heard heartbeats until the 5-minute close and run-sync waited out its timeout.
    const graph = {
      nodes: [
        node('input-1', 'input', {}, { isInput: true }),
        node('wait-1', 'wait', { ms: 500 }),
        node('edit-1', 'edit_fields', { expression: '{"big": $pad("", 600000, "x")}' }),
        node('output-1', 'output', {}, { isOutput: true }),
        node('output-2', 'output', {}, { isOutput: true }),
      ],
      edges: [edge('input-1', 'wait-1'), edge('wait-1', 'edit-1'), edge('edit-1', 'output-1'), edge('edit-1', 'output-2')],
    };
    const wf = (await alice.api.post('/workflows', { name: 'Too big to stream', ...graph })).body.data;
    const job = (await alice.api.post(`/workflows/${wf.id}/run`, {})).body.data;
    const res = await readSse(`${gatewayUrl}/jobs/${job.id}/stream`, headers(), { timeoutMs: 10_000 });
    const done = res.events[res.events.length - 1]?.data;
    expect(done).toMatchObject({ type: 'done', status: 'completed', resultOmitted: true });
    // The updates that were too large arrive without their output, instead of not at all.
    const finished = res.events.filter((e) => e.data.event === 'node.finished').map((e) => e.data.nodeId);
    expect(finished).toEqual(expect.arrayContaining(['edit-1', 'output-1', 'output-2']));

    const started = Date.now();
    const sync = await alice.api.post(`/workflows/${wf.id}/run-sync`, { timeout: 30 });
    expect(Date.now() - started).toBeLessThan(10_000);
    // The finished job's view leaves out what does not fit in one answer (the nodes' copies first, then a result).
    expect(sync.status).toBe(200);
    expect(sync.body.data.status).toBe('completed');
    const answers = [sync.body.data.result.results['output-1'][0], sync.body.data.result.results['output-2'][0]];
    expect(answers).toEqual(expect.arrayContaining([{ truncated: true, omitted: true, bytes: expect.any(Number) }, { big: 'x'.repeat(600_000) }]));
  });

  it('a client that already has done (Last-Event-ID = its id) gets 204, so an EventSource stops reconnecting instead of getting done again', async () => {
    // Found by the outside-in pass with the `eventsource` client: one that does not close() on done
    // reconnected every few seconds with the done's id and got the same done again, forever.
    const job = (await alice.api.post(`/workflows/${slowWorkflow}/run`, { input: { n: 2 } })).body.data;
    const first = await readSse(`${gatewayUrl}/jobs/${job.id}/stream`, headers(), { timeoutMs: 10_000 });
    const done = first.events[first.events.length - 1];
    expect(done?.data.type).toBe('done');
    const again = await fetch(`${gatewayUrl}/jobs/${job.id}/stream`, { headers: { ...headers(), 'last-event-id': done?.id as string } });
    expect(again.status).toBe(204);
    expect(await again.text()).toBe('');
    // An earlier id still resumes: the events after it, done last.
    const resumed = await readSse(`${gatewayUrl}/jobs/${job.id}/stream`, { ...headers(), 'last-event-id': String(Number(done?.id) - 1) });
    expect(resumed.events.map((e) => e.data.type)).toEqual(['done']);
  });

  it('answers 404 before any stream for an unknown job, 401 without credentials', async () => {
    const res = await readSse(`${gatewayUrl}/jobs/2147483000/stream`, headers());
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ success: false, error: { status: 404 } });
    expect((await readSse(`${gatewayUrl}/jobs/1/stream`, {})).status).toBe(401);
  });

  it('a job cancelled while pending ends its stream with done/cancelled', async () => {
    const job = (await alice.api.post(`/workflows/${slowWorkflow}/run`, { input: { n: 1 } })).body.data;
    await alice.api.post(`/jobs/${job.id}/cancel`);
    const final = await waitForJob(alice.api, job.id);
    expect(final.status).toBe('cancelled');
    const res = await readSse(`${gatewayUrl}/jobs/${job.id}/stream`, headers());
    expect(res.events[res.events.length - 1]?.data).toMatchObject({ type: 'done', status: 'cancelled' });
  });
});
