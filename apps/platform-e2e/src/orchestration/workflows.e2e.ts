import { client, query, tmpPath } from '@alien/testing';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { sharedPlatform } from '../support/env';
import { eventually } from '../foundation/envelope-assertions';
import { Member, chain, edge, memberWithOrganization, node, readSse, threeSteps, waitForJob } from './support';

const { gatewayUrl, env, databaseUrl } = sharedPlatform();

/** Error lines about one job in the orchestration processes' logs since `since` (log files outlive a run; job ids repeat across runs). */
function jobErrorLines(jobId: number, since: string): string[] {
  const logDir = tmpPath('logs', 'e2e-shared');
  return readdirSync(logDir)
    .filter((f) => f.startsWith('orchestration'))
    .flatMap((f) => readFileSync(path.join(logDir, f), 'utf8').split('\n'))
    .filter((l) => l.includes(`"jobId":${jobId},`) && /"level":"(error|fatal)"/.test(l) && (/"time":"([^"]+)"/.exec(l)?.[1] ?? '') >= since);
}

/** Workflows, presets, runs and jobs through :3333-style gateway, api and worker as separate processes. */
describe('orchestration: workflows, presets, runs and jobs', () => {
  let alice: Member;
  let bob: Member;

  beforeAll(async () => {
    [alice, bob] = await Promise.all([
      memberWithOrganization(env, gatewayUrl, 'wf-alice'),
      memberWithOrganization(env, gatewayUrl, 'wf-bob'),
    ]);
  });

  describe('node registry', () => {
    it('lists the node types with category, description, version and JSON Schemas, anonymously too', async () => {
      const res = await client(gatewayUrl).get('/nodes');
      expect(res.status).toBe(200);
      const types = res.body.data.map((t: any) => t.type);
      expect(types).toEqual(expect.arrayContaining(['input', 'output', 'edit_fields', 'condition', 'http_request', 'http_response', 'chat_completion']));
      const edit = res.body.data.find((t: any) => t.type === 'edit_fields');
      expect(edit).toMatchObject({ category: expect.any(String), description: expect.any(String), version: expect.any(String) });
      expect(edit.params).toMatchObject({ type: 'object' });
      const one = await client(gatewayUrl).get('/nodes/edit_fields');
      expect(one.status).toBe(200);
      expect(one.body.data.type).toBe('edit_fields');
      expect((await client(gatewayUrl).get('/nodes/no_such_type')).status).toBe(404);
    });
  });

  describe('workflows', () => {
    it('creates, reads by id, slug and batch, updates (graphVersion +1 on graph changes) and deletes', async () => {
      const created = await alice.api.post('/workflows', { name: 'Greeter', ...threeSteps() });
      expect(created.status).toBe(201);
      const wf = created.body.data;
      expect(wf).toMatchObject({ name: 'Greeter', slug: 'greeter', graphVersion: 1, organizationId: alice.organizationId, isPublic: false, type: 'streaming' });
      expect(wf.nodes).toHaveLength(3);

      expect((await alice.api.get(`/workflows/${wf.id}`)).body.data.id).toBe(wf.id);
      expect((await alice.api.get('/workflows/slug/greeter')).body.data.id).toBe(wf.id);
      const batch = await alice.api.get(`/workflows/batch?ids=${wf.id},999999`);
      expect(batch.body.data.map((w: any) => w.id)).toEqual([wf.id]);

      const renamed = await alice.api.patch(`/workflows/${wf.id}`, { name: 'Greeter 2' });
      expect(renamed.body.data).toMatchObject({ name: 'Greeter 2', graphVersion: 1 });
      const regraphed = await alice.api.patch(`/workflows/${wf.id}`, threeSteps('{"x": 1}'));
      expect(regraphed.status).toBe(200);
      expect(regraphed.body.data.graphVersion).toBe(2);
      expect((await alice.api.patch(`/workflows/${wf.id}`, {})).status).toBe(422);
      expect((await alice.api.post('/workflows', { name: 'Dup', slug: 'greeter' })).status).toBe(409);

      const list = await alice.api.get('/workflows?scope=mine');
      expect(list.body.data.map((w: any) => w.id)).toContain(wf.id);
      expect((await alice.api.delete(`/workflows/${wf.id}`)).body.data).toEqual({ id: wf.id, deleted: true });
      expect((await alice.api.get(`/workflows/${wf.id}`)).status).toBe(404);
    });

    const invalid: [string, any, string, string][] = [
      [
        'a cycle',
        {
          nodes: [node('a', 'edit_fields', { expression: '1' }), node('b', 'edit_fields', { expression: '2' })],
          edges: [edge('a', 'b'), edge('b', 'a')],
        },
        'a',
        'acyclic',
      ],
      ['an unknown node type', { nodes: [node('x', 'teleport')], edges: [] }, 'x', 'knownType'],
      ['bad params', { nodes: [node('w', 'wait', { ms: 'soon' })], edges: [] }, 'w', ''],
      [
        'an expression to a downstream node',
        chain(node('in', 'input', {}, { isInput: true }), node('e1', 'edit_fields', { fields: { a: '1' }, note: '@e2.a' }), node('e2', 'edit_fields', { expression: '1' })),
        'e1',
        '',
      ],
      [
        'two input nodes',
        { nodes: [node('i1', 'input', {}, { isInput: true }), node('i2', 'input', {}, { isInput: true })], edges: [] },
        'i2',
        '',
      ],
      // Found by the outside-in pass: results are keyed by node id, and these ids ran to `[null]` or vanished.
      ['a node id named like an Object.prototype member', chain(node('in', 'input', {}, { isInput: true }), node('constructor', 'output')), 'constructor', 'id'],
      ['the node id __proto__', chain(node('in', 'input', {}, { isInput: true }), node('__proto__', 'output')), '__proto__', 'id'],
    ];
    it.each(invalid)('refuses %s with 422 naming the node', async (_what, graph, nodeId, rule) => {
      const res = await alice.api.post('/workflows', { name: `bad ${Math.random()}`, ...graph });
      expect(res.status).toBe(422);
      const messages: { field: string; rule: string; message: string }[] = res.body.error.messages;
      expect(messages.length).toBeGreaterThan(0);
      // The field says where (`nodes[0].data.params.ms`), the message names the node.
      expect(messages.some((m) => /^(nodes|edges)\[\d+\]/.test(m.field) && m.message.includes(`"${nodeId}"`))).toBe(true);
      if (rule) expect(messages.map((m) => m.rule).join(' ')).toContain(rule);
    });

    it('answers 422 for a bad body, 401 without credentials, 403 for a read-only token', async () => {
      expect((await alice.api.post('/workflows', { name: '' })).status).toBe(422);
      expect((await alice.api.post('/workflows', { name: 'x', type: 'nope' })).status).toBe(422);
      expect((await alice.api.post('/workflows', { name: 'x', nodes: 'no' })).status).toBe(422);
      expect((await alice.api.post('/workflows', { name: 'x', extra: 1 })).status).toBe(422);
      expect((await client(gatewayUrl).post('/workflows', { name: 'x' })).status).toBe(401);
      const readOnly = await alice.api.post('/access-tokens', { name: 'ro', abilities: ['read'] });
      expect((await client(gatewayUrl, readOnly.body.data.token).post('/workflows', { name: 'x' })).status).toBe(403);
    });

    it('refers only to collections, datasets and tags the caller can see: anything else is 422 rule exists, absent and invisible alike', async () => {
      const own = (await alice.api.post('/collections', { name: 'Wf own collection' })).body.data;
      const bobs = (await bob.api.post('/collections', { name: 'Wf bob private', visibility: 'private' })).body.data;
      const bobsPublic = (await bob.api.post('/collections', { name: 'Wf bob public', visibility: 'public' })).body.data;
      const tag = (await client(gatewayUrl).get('/tags?limit=1')).body.data[0];

      const ok = await alice.api.post('/workflows', { name: 'Refs', collectionId: own.id, tagIds: [tag.id], ...threeSteps() });
      expect(ok.status).toBe(201);
      expect(ok.body.data).toMatchObject({ collectionId: own.id, tagIds: [tag.id] });
      expect((await alice.api.post('/workflows', { name: 'Refs public', collectionId: bobsPublic.id })).status).toBe(201);

      const refused = [
        [{ collectionId: bobs.id }, 'collectionId'],
        [{ collectionId: 999_999 }, 'collectionId'],
        [{ datasetId: 999_999 }, 'datasetId'],
        [{ tagIds: [tag.id, 999_999] }, 'tagIds.1'],
      ] as const;
      for (const [body, field] of refused) {
        const res = await alice.api.post('/workflows', { name: 'Refs bad', ...body });
        expect(res.status).toBe(422);
        expect(res.body.error.messages).toEqual([expect.objectContaining({ field, rule: 'exists' })]);
        const patched = await alice.api.patch(`/workflows/${ok.body.data.id}`, body);
        expect(patched.status).toBe(422);
      }
      // The message for another organization's private collection reads like one that does not exist.
      const [invisible, absent] = await Promise.all([
        alice.api.post('/workflows', { name: 'Refs bad', collectionId: bobs.id }),
        alice.api.post('/workflows', { name: 'Refs bad', collectionId: 999_999 }),
      ]);
      expect(invisible.body.error.messages[0].message.replace(String(bobs.id), 'N')).toBe(absent.body.error.messages[0].message.replace('999999', 'N'));
      // Unchanged references are not checked again; clearing one is always allowed.
      expect((await alice.api.patch(`/workflows/${ok.body.data.id}`, { collectionId: own.id, tagIds: [tag.id], name: 'Refs 2' })).status).toBe(200);
      expect((await alice.api.patch(`/workflows/${ok.body.data.id}`, { collectionId: null })).body.data.collectionId).toBeNull();
    });

    it('keeps each tag once: a repeated tag id is stored and shown once (as datasets and AI models do)', async () => {
      // Found by the outside-in pass: `tagIds: [1, 1]` was stored and returned as [1, 1].
      const [first, second] = (await client(gatewayUrl).get('/tags?perPage=2')).body.data;
      const created = await alice.api.post('/workflows', { name: 'Tagged twice', tagIds: [first.id, first.id] });
      expect(created.status).toBe(201);
      expect(created.body.data.tagIds).toEqual([first.id]);
      const patched = await alice.api.patch(`/workflows/${created.body.data.id}`, { tagIds: [second.id, first.id, second.id] });
      expect(patched.body.data.tagIds).toEqual([second.id, first.id]);
      expect((await alice.api.get(`/workflows/${created.body.data.id}`)).body.data.tagIds).toEqual([second.id, first.id]);
    });
  });

  describe('runs', () => {
    let wf: any;
    beforeAll(async () => {
      wf = (await alice.api.post('/workflows', { name: 'Runner', ...threeSteps() })).body.data;
    });

    it('runs input → edit_fields → output: 202 pending job, then completed with the result where clients read it', async () => {
      const res = await alice.api.post(`/workflows/${wf.id}/run`, { input: { name: 'Ada', n: 41 } });
      expect(res.status).toBe(202);
      expect(res.body.data).toMatchObject({ status: 'pending', workflowId: wf.id, organizationId: alice.organizationId });
      expect(res.body.data.slug).toMatch(/^job-runner-\d{13,}$/);
      const job = await waitForJob(alice.api, res.body.data.id);
      expect(job.status).toBe('completed');
      expect(job.progress).toBe(100);
      expect(job.result.results['output-1'][0]).toEqual({ greeting: 'Hello Ada', n: 42 });
      const edit = job.nodes.find((n: any) => n.id === 'edit-1');
      expect(edit.data).toMatchObject({ isExecuted: true, outputs: [{ greeting: 'Hello Ada', n: 42 }], errors: [] });
      const results = await alice.api.get(`/jobs/${job.id}/results`);
      expect(results.body.data).toEqual({ jobId: job.id, status: 'completed', result: job.result });
      const ctxRes = await alice.api.get(`/jobs/${job.id}/compute-context`);
      expect(ctxRes.body.data).toMatchObject({ jobId: job.id, attempts: 1, worker: expect.any(String), queueWaitMs: expect.any(Number) });
      expect(ctxRes.body.data.nodes.map((n: any) => n.nodeId).sort()).toEqual(['edit-1', 'input-1', 'output-1']);
    });

    it('a run input keeps keys named like Object.prototype members (constructor, toString, valueOf…); such a key beside input is 422', async () => {
      // Found by the outside-in pass: the gateway's body validation dropped them without a word.
      const input = { name: 'Proto', n: 1, constructor: 'c', toString: 't', valueOf: { hasOwnProperty: [1] }, prototype: null };
      const run = await alice.api.post(`/workflows/${wf.id}/run-sync`, { input });
      expect(run.status).toBe(200);
      expect(run.body.data.input).toEqual(input);
      expect(run.body.data.result.results['output-1'][0]).toEqual({ greeting: 'Hello Proto', n: 2 });
      const stray = await alice.api.post(`/workflows/${wf.id}/run-sync`, { input: { name: 'x', n: 1 }, toString: 'ignored?' });
      expect(stray.status).toBe(422);
      expect(stray.body.error.messages).toEqual([expect.objectContaining({ field: 'toString', rule: 'unknownField' })]);
    });

    it('a NUL character in a key of free-form JSON (run input, preset input) is 422 naming the field, before anything is stored', async () => {
      // Found by the outside-in pass: values were checked, keys were not; Postgres refused the jsonb
      // and the run answered 400 invalid_value with an error and a stack trace in the service's log.
      const before = (await alice.api.get(`/jobs?workflowId=${wf.id}`)).body.meta.total;
      const run = await alice.api.post(`/workflows/${wf.id}/run`, { input: { name: 'x', n: 1, 'bad\u0000key': 1 } });
      expect(run.status).toBe(422);
      expect(run.body.error.messages).toEqual([expect.objectContaining({ field: 'input.bad\\u0000key', rule: 'string' })]);
      const preset = await alice.api.post(`/workflows/${wf.id}/presets`, { name: 'Nul', input: { nested: { '\u0000': true } } });
      expect(preset.status).toBe(422);
      expect(preset.body.error.messages[0]).toMatchObject({ field: 'input.nested.\\u0000', rule: 'string' });
      expect((await alice.api.get(`/jobs?workflowId=${wf.id}`)).body.meta.total).toBe(before);
    });

    it('a node output with a NUL character completes (U+0000 becomes U+FFFD) instead of retrying as an infrastructure error', async () => {
      // Found by the outside-in pass: Postgres cannot store U+0000 in jsonb; persisting the output failed,
      // the worker took it for an outage and retried with backoff (errors and stacks in its log) until
      // the job was dead-lettered. A JSONata string or any HTTP answer can carry one.
      const nul = (
        await alice.api.post('/workflows', {
          name: 'NUL out',
          ...chain(node('input-1', 'input', {}, { isInput: true }), node('edit-1', 'edit_fields', { expression: '{"text": "a\\u0000b", "a\\u0000": 1}' }), node('output-1', 'output', {}, { isOutput: true })),
        })
      ).body.data;
      const res = await alice.api.post(`/workflows/${nul.id}/run-sync`, { timeout: 10 });
      expect(res.status).toBe(200);
      expect(res.body.data).toMatchObject({ status: 'completed', attempts: 1 });
      expect(res.body.data.result.results['output-1'][0]).toEqual({ text: 'a\ufffdb', 'a\ufffd': 1 });
    });

    it('runs with a preset whose input the request overrides', async () => {
      const preset = await alice.api.post(`/workflows/${wf.id}/presets`, { name: 'Grace', input: { name: 'Grace', n: 1 } });
      expect(preset.status).toBe(201);
      expect((await alice.api.get(`/workflows/${wf.id}/presets`)).body.data.map((p: any) => p.id)).toEqual([preset.body.data.id]);
      const patched = await alice.api.patch(`/workflows/${wf.id}/presets/${preset.body.data.id}`, { input: { name: 'Grace', n: 9 } });
      expect(patched.body.data.input).toEqual({ name: 'Grace', n: 9 });
      const run = await alice.api.post(`/workflows/${wf.id}/run-sync`, { presetId: preset.body.data.id, input: { n: 99 } });
      expect(run.status).toBe(200);
      expect(run.body.data.result.results['output-1'][0]).toEqual({ greeting: 'Hello Grace', n: 100 });
      expect(run.body.data.presetId).toBe(preset.body.data.id);
      expect((await alice.api.post(`/workflows/${wf.id}/run`, { presetId: 999999 })).status).toBe(404);
      expect((await alice.api.delete(`/workflows/${wf.id}/presets/${preset.body.data.id}`)).status).toBe(200);
    });

    it('keeps an Idempotency-Key: same body → the same job, another body → 422', async () => {
      const key = `key-${Date.now()}`;
      const first = await alice.api.post(`/workflows/${wf.id}/run`, { input: { name: 'A', n: 1 } }, { headers: { 'idempotency-key': key } });
      const again = await alice.api.post(`/workflows/${wf.id}/run`, { input: { name: 'A', n: 1 } }, { headers: { 'idempotency-key': key } });
      expect(first.status).toBe(202);
      expect(again.status).toBe(202);
      expect(again.body.data.id).toBe(first.body.data.id);
      const other = await alice.api.post(`/workflows/${wf.id}/run`, { input: { name: 'B', n: 1 } }, { headers: { 'idempotency-key': key } });
      expect(other.status).toBe(422);
      expect(other.body.error.messages[0]).toMatchObject({ field: 'Idempotency-Key', rule: 'idempotency' });
      const [{ n }] = await query<{ n: number }>(databaseUrl, 'SELECT count(*)::int AS n FROM orchestration.jobs WHERE id = $1', [first.body.data.id]);
      expect(n).toBe(1);
      expect((await alice.api.post(`/workflows/${wf.id}/run`, {}, { headers: { 'idempotency-key': 'x'.repeat(300) } })).status).toBe(422);
    });

    it('an Idempotency-Key replay answers the first job even when the preset it named is gone since', async () => {
      const preset = (await alice.api.post(`/workflows/${wf.id}/presets`, { name: `Replay ${Date.now()}`, input: { name: 'P', n: 1 } })).body.data;
      const key = `preset-key-${Date.now()}`;
      const first = await alice.api.post(`/workflows/${wf.id}/run`, { presetId: preset.id }, { headers: { 'idempotency-key': key } });
      expect(first.status).toBe(202);
      expect((await alice.api.delete(`/workflows/${wf.id}/presets/${preset.id}`)).status).toBe(200);
      const again = await alice.api.post(`/workflows/${wf.id}/run`, { presetId: preset.id }, { headers: { 'idempotency-key': key } });
      expect(again.status).toBe(202);
      expect(again.body.data.id).toBe(first.body.data.id);
      const other = await alice.api.post(`/workflows/${wf.id}/run`, { presetId: preset.id, input: { n: 2 } }, { headers: { 'idempotency-key': key } });
      expect(other.status).toBe(422);
    });

    it('run-sync: 422 above 600 s; 408 carrying the job, which goes on and completes', async () => {
      expect((await alice.api.post(`/workflows/${wf.id}/run-sync`, { timeout: 601 })).status).toBe(422);
      expect((await alice.api.post(`/workflows/${wf.id}/run-sync`, { timeout: 0 })).status).toBe(422);
      const slow = (
        await alice.api.post('/workflows', {
          name: 'Slow',
          ...chain(node('input-1', 'input', {}, { isInput: true }), node('wait-1', 'wait', { ms: 2_500 }), node('output-1', 'output', {}, { isOutput: true })),
        })
      ).body.data;
      const res = await alice.api.post(`/workflows/${slow.id}/run-sync`, { timeout: 1, input: { a: 1 } });
      expect(res.status).toBe(408);
      expect(res.body).toMatchObject({ success: false, error: { status: 408 }, data: { status: 'running', workflowId: slow.id } });
      const job = await waitForJob(alice.api, res.body.data.id);
      expect(job.status).toBe('completed');
      expect(job.result.results['output-1'][0]).toEqual({ a: 1 });
    });

    it('runs a graph built exactly as existing clients build it and answers at result.results[<http_response id>][0]', async () => {
      const entry = node('httpRequest-1', 'http_request', {}, {
        isInput: true,
        schema: { input: { type: 'object', properties: { user_prompt: { type: 'string' }, session_id: { type: 'string' } } } },
      });
      const shape = node('editFields-1', 'edit_fields', { fields: { answer: '"You said: " & user_prompt', session: 'session_id' } });
      const respond = node('httpResponse-2', 'http_response', { data: '@editFields-1' });
      const created = await alice.api.post('/workflows', { name: 'Client style', ...chain(entry, shape, respond) });
      expect(created.status).toBe(201);
      const res = await alice.api.post(`/workflows/${created.body.data.id}/run-sync`, { input: { user_prompt: 'hi', session_id: 's-1' } });
      expect(res.status).toBe(200);
      expect(res.body.data.status).toBe('completed');
      const answer = res.body.data.result.results['httpResponse-2'][0];
      expect(JSON.stringify(answer)).toContain('You said: hi');
    });

    it('lists jobs with filters, per workflow, and the latest job', async () => {
      const list = await alice.api.get(`/jobs?workflowId=${wf.id}&status=completed`);
      expect(list.status).toBe(200);
      expect(list.body.data.length).toBeGreaterThan(0);
      expect(list.body.data.every((j: any) => j.workflowId === wf.id && j.status === 'completed')).toBe(true);
      const perWorkflow = await alice.api.get(`/workflows/${wf.id}/jobs`);
      expect(perWorkflow.body.meta.total).toBe(list.body.meta.total + (await alice.api.get(`/jobs?workflowId=${wf.id}&status=pending`)).body.meta.total + (await alice.api.get(`/jobs?workflowId=${wf.id}&status=running`)).body.meta.total + (await alice.api.get(`/jobs?workflowId=${wf.id}&status=failed`)).body.meta.total + (await alice.api.get(`/jobs?workflowId=${wf.id}&status=cancelled`)).body.meta.total);
      const latest = await alice.api.get(`/workflows/${wf.id}/latest-job`);
      expect(latest.body.data.id).toBe(Math.max(...perWorkflow.body.data.map((j: any) => j.id)));
      expect((await alice.api.get('/jobs?status=done')).status).toBe(422);
      expect((await alice.api.get('/jobs?from=yesterday')).status).toBe(422);
      expect((await alice.api.get('/jobs?from=2030-01-01&to=2020-01-01')).status).toBe(422);
      const future = await alice.api.get('/jobs?from=2999-01-01T00:00:00Z');
      expect(future.body.data).toEqual([]);
    });

    it('reports metrics and consumption of the caller’s runs', async () => {
      const metrics = await alice.api.get(`/workflows/${wf.id}/metrics?interval=hour`);
      expect(metrics.status).toBe(200);
      expect(metrics.body.data.runs).toBeGreaterThan(0);
      expect(metrics.body.data.byStatus.completed).toBeGreaterThan(0);
      expect(metrics.body.data.successRate).toBeGreaterThan(0);
      expect(metrics.body.data.p50DurationMs).toEqual(expect.any(Number));
      expect(metrics.body.data.series.length).toBeGreaterThan(0);
      expect(metrics.body.data.nodes.map((n: any) => n.nodeId)).toEqual(expect.arrayContaining(['edit-1']));
      expect((await alice.api.get(`/workflows/${wf.id}/metrics?interval=week`)).status).toBe(422);
      expect((await alice.api.get(`/workflows/${wf.id}/metrics?interval=hour&from=2020-01-01&to=2021-01-01`)).status).toBe(422);
      const consumption = await alice.api.get(`/workflows/${wf.id}/consumption`);
      expect(consumption.body.data).toMatchObject({ groupBy: 'model', totalCost: 0, rows: [] });
      expect((await alice.api.get('/consumption?groupBy=workflow')).status).toBe(200);
      expect((await alice.api.get('/consumption?groupBy=planet')).status).toBe(422);
    });

    it('cancels a running job within a second; a finished one is 409', async () => {
      const slow = (
        await alice.api.post('/workflows', {
          name: 'Cancel me',
          ...chain(node('input-1', 'input', {}, { isInput: true }), node('wait-1', 'wait', { ms: 20_000 }), node('output-1', 'output', {}, { isOutput: true })),
        })
      ).body.data;
      const job = (await alice.api.post(`/workflows/${slow.id}/run`, {})).body.data;
      const deadline = Date.now() + 10_000;
      while ((await alice.api.get(`/jobs/${job.id}`)).body.data.status !== 'running' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      await new Promise((r) => setTimeout(r, 200));
      const started = Date.now();
      const cancelled = await alice.api.post(`/jobs/${job.id}/cancel`);
      expect(cancelled.status).toBe(200);
      expect(cancelled.body.data.status).toBe('cancelled');
      expect(Date.now() - started).toBeLessThan(1_000);
      expect(cancelled.body.data.error).toMatchObject({ code: 'cancelled' });
      expect((await alice.api.post(`/jobs/${job.id}/cancel`)).status).toBe(409);
    });

    it('a job whose view would be larger than the message bus carries is answered with values left out, and the service keeps answering', async () => {
      // Found by the outside-in pass: a 400 KB input (well under the 1 MiB body limit) makes the job's
      // view (input, each node's output, result) exceed NATS's 1 MiB max_payload; the reply threw
      // MAX_PAYLOAD_EXCEEDED outside any handler and the orchestration process died. Then a 502
      // reply_too_large; now the view leaves the nodes' copies of the outputs out and fits.
      const big = (
        await alice.api.post('/workflows', {
          name: 'Big answers',
          ...chain(node('input-1', 'input', {}, { isInput: true }), node('output-1', 'output', {}, { isOutput: true })),
        })
      ).body.data;
      const run = await alice.api.post(`/workflows/${big.id}/run`, { input: { text: 'x'.repeat(400_000) } });
      expect(run.status).toBe(202);
      const statusOf = async () =>
        (await query<{ status: string }>(databaseUrl, 'SELECT status FROM orchestration.jobs WHERE id = $1', [run.body.data.id]))[0]?.status;
      await eventually(async () => (await statusOf()) === 'completed', 15_000);
      const res = await alice.api.get(`/jobs/${run.body.data.id}`);
      expect(res.status).toBe(200);
      expect(res.body.data.input.text).toHaveLength(400_000);
      expect(res.body.data.result.results['output-1'][0].text).toHaveLength(400_000);
      expect(res.body.data.nodes.map((n: any) => n.data.outputs[0])).toEqual([
        { truncated: true, omitted: true, bytes: expect.any(Number) },
        { truncated: true, omitted: true, bytes: expect.any(Number) },
      ]);
      // Still alive: the next requests are answered.
      expect((await alice.api.get(`/workflows/${big.id}`)).status).toBe(200);
      expect((await alice.api.post(`/workflows/${wf.id}/run-sync`, { input: { name: 'After', n: 1 } })).body.data.status).toBe('completed');
    });
  });

  describe('large outputs', () => {
    it('a job whose outputs together exceed one message is still readable: node outputs left out first ({truncated, omitted, bytes}), the answer kept', async () => {
      const graph = chain(
        node('in', 'input', {}, { isInput: true }),
        node('e1', 'edit_fields', { expression: '$pad("", 300000, "a")' }),
        node('e2', 'edit_fields', { expression: '$pad("", 300000, "b")' }),
        node('out', 'output', {}, { isOutput: true }),
      );
      const wf = (await alice.api.post('/workflows', { name: 'Large outputs', ...graph })).body.data;
      const sync = await alice.api.post(`/workflows/${wf.id}/run-sync`, { input: {} });
      expect(sync.status).toBe(200);
      expect(sync.body.data.status).toBe('completed');
      const res = await alice.api.get(`/jobs/${sync.body.data.id}`);
      expect(res.status).toBe(200);
      expect(res.body.data.result.results['out'][0]).toBe('b'.repeat(300_000));
      const outputs = res.body.data.nodes.map((n: any) => n.data.outputs[0]);
      expect(outputs.filter((o: any) => o?.omitted === true)).toEqual(expect.arrayContaining([{ truncated: true, omitted: true, bytes: 300_002 }]));
      expect((await alice.api.get(`/jobs/${sync.body.data.id}/results`)).body.data.result.results['out'][0]).toHaveLength(300_000);
    });
  });

  describe('per-organization concurrency', () => {
    it('admits at most ORG_CONCURRENCY_LIMIT (20) jobs of one organization; the rest wait as pending and all complete', async () => {
      const carol = await memberWithOrganization(env, gatewayUrl, 'wf-carol');
      const wf = (
        await carol.api.post('/workflows', {
          name: 'Queue me',
          ...chain(node('input-1', 'input', {}, { isInput: true }), node('wait-1', 'wait', { ms: 3_000 }), node('output-1', 'output', {}, { isOutput: true })),
        })
      ).body.data;
      const runs = await Promise.all(Array.from({ length: 26 }, () => carol.api.post(`/workflows/${wf.id}/run`, {})));
      expect(runs.map((r) => r.status)).toEqual(Array(26).fill(202));
      const counts = async () =>
        (
          await query<{ admitted: number; waiting: number }>(
            databaseUrl,
            `SELECT count(*) FILTER (WHERE admitted_at IS NOT NULL AND status IN ('pending', 'running'))::int AS admitted,
                    count(*) FILTER (WHERE admitted_at IS NULL AND status = 'pending')::int AS waiting
             FROM orchestration.jobs WHERE organization_id = $1`,
            [carol.organizationId],
          )
        )[0] as { admitted: number; waiting: number };
      const first = await counts();
      expect(first).toEqual({ admitted: 20, waiting: 6 });
      let peak = 0;
      const deadline = Date.now() + 40_000;
      for (;;) {
        const now = await counts();
        peak = Math.max(peak, now.admitted);
        if (now.admitted === 0 && now.waiting === 0) break;
        if (Date.now() > deadline) throw new Error(`still ${JSON.stringify(now)}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(peak).toBeLessThanOrEqual(20);
      const done = await query<{ status: string }>(databaseUrl, 'SELECT status FROM orchestration.jobs WHERE organization_id = $1', [carol.organizationId]);
      expect(done.map((d) => d.status)).toEqual(Array(26).fill('completed'));
    });
  });

  describe('public workflows and other organizations', () => {
    let privateWf: any;
    let publicWf: any;
    let job: any;
    let preset: any;

    beforeAll(async () => {
      privateWf = (await alice.api.post('/workflows', { name: 'Private', ...threeSteps() })).body.data;
      publicWf = (await alice.api.post('/workflows', { name: 'Shared', isPublic: true, ...threeSteps() })).body.data;
      preset = (await alice.api.post(`/workflows/${privateWf.id}/presets`, { name: 'p', input: { name: 'x', n: 1 } })).body.data;
      job = (await alice.api.post(`/workflows/${privateWf.id}/run`, { input: { name: 'x', n: 1 } })).body.data;
      await waitForJob(alice.api, job.id);
    });

    it('another organization gets 404 for a private workflow, its presets, jobs and stream', async () => {
      const routes: [string, string, unknown?][] = [
        ['GET', `/workflows/${privateWf.id}`],
        ['GET', `/workflows/slug/${privateWf.slug}`],
        ['PATCH', `/workflows/${privateWf.id}`, { name: 'mine now' }],
        ['DELETE', `/workflows/${privateWf.id}`],
        ['GET', `/workflows/${privateWf.id}/presets`],
        ['POST', `/workflows/${privateWf.id}/presets`, { name: 'x' }],
        ['PATCH', `/workflows/${privateWf.id}/presets/${preset.id}`, { name: 'x' }],
        ['DELETE', `/workflows/${privateWf.id}/presets/${preset.id}`],
        ['POST', `/workflows/${privateWf.id}/run`, {}],
        ['POST', `/workflows/${privateWf.id}/run-sync`, {}],
        ['GET', `/workflows/${privateWf.id}/jobs`],
        ['GET', `/workflows/${privateWf.id}/latest-job`],
        ['GET', `/workflows/${privateWf.id}/metrics`],
        ['GET', `/workflows/${privateWf.id}/consumption`],
        ['GET', `/jobs/${job.id}`],
        ['GET', `/jobs/${job.id}/results`],
        ['POST', `/jobs/${job.id}/cancel`],
        ['GET', `/jobs/${job.id}/compute-context`],
        ['GET', `/jobs/${job.id}/stream`],
      ];
      const seen: string[] = [];
      for (const [method, path, body] of routes) {
        const res =
          method === 'GET'
            ? await bob.api.get(path)
            : method === 'POST'
              ? await bob.api.post(path, body)
              : method === 'PATCH'
                ? await bob.api.patch(path, body)
                : await bob.api.delete(path);
        seen.push(`${method} ${path} → ${res.status}`);
        expect(res.headers.get('content-type')).toMatch(/application\/json/);
      }
      expect(seen.filter((s) => !s.endsWith('→ 404'))).toEqual([]);
      // Anonymous callers and a read-only token of the other organization: never a 2xx either.
      const readOnly = (await bob.api.post('/access-tokens', { name: 'bob read', abilities: ['read'], organizationId: bob.organizationId })).body.data.token;
      const others: string[] = [];
      for (const token of [undefined, readOnly]) {
        for (const [method, path, body] of routes) {
          const res = await client(gatewayUrl, token)[method === 'GET' ? 'get' : method === 'POST' ? 'post' : method === 'PATCH' ? 'patch' : 'delete'](
            path,
            ...((method === 'GET' || method === 'DELETE' ? [] : [body]) as []),
          );
          if (res.status < 300) others.push(`${token ? 'read token' : 'anonymous'} ${method} ${path} → ${res.status}`);
          expect([401, 403, 404]).toContain(res.status);
        }
      }
      expect(others).toEqual([]);
      expect((await bob.api.get('/jobs')).body.data.map((j: any) => j.id)).not.toContain(job.id);
      expect((await client(gatewayUrl).get(`/workflows/${privateWf.id}`)).status).toBe(404);
      expect((await alice.api.get(`/workflows/${privateWf.id}`)).status).toBe(200);
    });

    it('a public workflow is readable by anyone and runnable by any authenticated user, the run being theirs', async () => {
      expect((await client(gatewayUrl).get(`/workflows/${publicWf.id}`)).status).toBe(200);
      expect((await client(gatewayUrl).post(`/workflows/${publicWf.id}/run`, {})).status).toBe(401);
      expect((await bob.api.patch(`/workflows/${publicWf.id}`, { name: 'taken' })).status).toBe(403);
      const run = await bob.api.post(`/workflows/${publicWf.id}/run-sync`, { input: { name: 'Bob', n: 0 } });
      expect(run.status).toBe(200);
      expect(run.body.data).toMatchObject({ status: 'completed', organizationId: bob.organizationId, userId: bob.userId });
      expect(run.body.data.result.results['output-1'][0]).toEqual({ greeting: 'Hello Bob', n: 1 });
      // The run is Bob's organization's: Alice's organization does not see it.
      expect((await alice.api.get(`/jobs/${run.body.data.id}`)).status).toBe(404);
      expect((await bob.api.get(`/workflows/${publicWf.id}/latest-job`)).body.data.id).toBe(run.body.data.id);
    });
  });

  describe('GET /jobs/{id}/stream', () => {
    it('sends init, done and closes for a finished job, with the SSE headers', async () => {
      const wf = (await alice.api.post('/workflows', { name: 'Streamed', ...threeSteps() })).body.data;
      const job = (await alice.api.post(`/workflows/${wf.id}/run-sync`, { input: { name: 'S', n: 1 } })).body.data;
      const res = await readSse(`${gatewayUrl}/jobs/${job.id}/stream`, {
        authorization: `Bearer ${alice.token}`,
        'x-organization-id': String(alice.organizationId),
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-cache');
      expect(res.headers.get('x-accel-buffering')).toBe('no');
      expect(res.events.map((e) => e.data.type)).toEqual(['init', 'done']);
      expect(res.events.map((e) => e.event)).toEqual(['init', 'done']);
      expect(res.events[0]?.data).toMatchObject({ status: 'completed', result: job.result });
      expect(res.events[1]?.data).toMatchObject({ type: 'done', status: 'completed', result: job.result });
      const bad = await alice.api.get(`/jobs/${job.id}/stream`, { headers: { 'last-event-id': 'abc' } });
      expect(bad.status).toBe(422);
    });
  });

  describe('deleting an organization', () => {
    it('deleting a workflow while its job runs: the job goes with it, its worker stops without an error and keeps working', async () => {
      const since = new Date().toISOString();
      const slow = (await alice.api.post('/workflows', { name: 'Doomed slow', ...chain(node('in', 'input', {}, { isInput: true }), node('w', 'wait', { ms: 1_500 }), node('w2', 'wait', { ms: 1_500 })) })).body.data;
      const job = (await alice.api.post(`/workflows/${slow.id}/run`, { input: {} })).body.data;
      await eventually(async () => (await alice.api.get(`/jobs/${job.id}`)).body.data.status === 'running', 10_000);
      expect((await alice.api.delete(`/workflows/${slow.id}`)).status).toBe(200);
      expect((await alice.api.get(`/jobs/${job.id}`)).status).toBe(404);
      await new Promise((r) => setTimeout(r, 2_000));
      const next = (await alice.api.post('/workflows', { name: 'After doomed', ...threeSteps() })).body.data;
      expect((await alice.api.post(`/workflows/${next.id}/run-sync`, { input: { name: 'a', n: 1 } })).body.data.status).toBe('completed');
      expect(jobErrorLines(job.id, since)).toEqual([]);
    });

    it('removes its workflows, presets and jobs (a running one stops), keeps other organizations\' workflows (auth event, durable consumer)', async () => {
      const since = new Date().toISOString();
      const doomed = await memberWithOrganization(env, gatewayUrl, 'wf-doomed');
      const wf = (await doomed.api.post('/workflows', { name: 'Doomed', ...threeSteps() })).body.data;
      await doomed.api.post(`/workflows/${wf.id}/presets`, { name: 'P', input: { name: 'x', n: 1 } });
      const done = await doomed.api.post(`/workflows/${wf.id}/run-sync`, { input: { name: 'x', n: 1 } });
      expect(done.body.data.status).toBe('completed');
      const slow = (await doomed.api.post('/workflows', { name: 'Slow', ...chain(node('in', 'input', {}, { isInput: true }), node('w', 'wait', { ms: 60_000 })) })).body.data;
      const running = (await doomed.api.post(`/workflows/${slow.id}/run`, { input: {} })).body.data;
      const other = (await bob.api.post('/workflows', { name: 'Bob public', isPublic: true, ...threeSteps() })).body.data;
      const onOther = await doomed.api.post(`/workflows/${other.id}/run-sync`, { input: { name: 'y', n: 2 } });
      expect(onOther.body.data.status).toBe('completed');

      expect((await doomed.api.delete(`/organizations/${doomed.organizationId}`)).status).toBe(200);
      const count = async (sql: string) => Number((await query<{ n: string }>(databaseUrl, sql, [doomed.organizationId]))[0]?.n);
      await eventually(async () => (await count('SELECT count(*) AS n FROM orchestration.workflows WHERE organization_id = $1')) === 0, 10_000);
      expect(await count('SELECT count(*) AS n FROM orchestration.jobs WHERE organization_id = $1')).toBe(0);
      expect(await count('SELECT count(*) AS n FROM orchestration.presets WHERE organization_id = $1')).toBe(0);
      expect(await count('SELECT count(*) AS n FROM orchestration.idempotency_keys WHERE organization_id = $1')).toBe(0);
      const nodes = await query<{ n: string }>(databaseUrl, 'SELECT count(*) AS n FROM orchestration.job_nodes WHERE job_id = ANY($1)', [[running.id, done.body.data.id]]);
      expect(Number(nodes[0]?.n)).toBe(0);
      // The running job's worker stopped it without an error (it found the job gone).
      await new Promise((r) => setTimeout(r, 1_500));
      expect(jobErrorLines(running.id, since)).toEqual([]);
      // The other organization's public workflow stays and still runs.
      expect((await bob.api.get(`/workflows/${other.id}`)).status).toBe(200);
      expect((await bob.api.post(`/workflows/${other.id}/run-sync`, { input: { name: 'z', n: 3 } })).body.data.status).toBe('completed');
    });
  });
});
