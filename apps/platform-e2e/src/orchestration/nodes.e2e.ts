import { AssertionKeyRing, ASSERTION_TYPES, DEFAULT_ASSERTION_ISSUER } from '@alien/identity-assertion';
import {
  CountingServer,
  FakeDataCluster,
  OpenAiServer,
  ThirdPartyApi,
  client,
  createActor,
  query,
  startCountingServer,
  startFakeDataCluster,
  startOpenAiServer,
  startThirdPartyApi,
} from '@alien/testing';
import { sharedPlatform } from '../support/env';
import { Member, chain, memberWithOrganization, node, readSse } from './support';

const { gatewayUrl, env, databaseUrl } = sharedPlatform();

/** Node types that leave the worker: data-cluster search and outbound HTTP, on real loopback servers. */
describe('orchestration: nodes that reach other systems', () => {
  let alice: Member;
  let bob: Member;

  beforeAll(async () => {
    [alice, bob] = await Promise.all([memberWithOrganization(env, gatewayUrl, 'nodes-alice'), memberWithOrganization(env, gatewayUrl, 'nodes-bob')]);
  });

  describe('keyword_search against a data cluster', () => {
    let cluster: FakeDataCluster;
    let clusterId: number;
    let workflowId: number;

    beforeAll(async () => {
      cluster = await startFakeDataCluster({ credential: 'cluster-secret' });
      const created = await alice.api.post('/clusters', { name: 'Ocean data', baseUrl: cluster.baseUrl, credential: 'cluster-secret' });
      expect(created.status).toBe(201);
      clusterId = created.body.data.id;
      const graph = chain(
        node('input-1', 'input', {}, { isInput: true }),
        node('search-1', 'keyword_search', { clusterId, query: '@input-1.q', limit: 5 }),
        node('output-1', 'output', {}, { isOutput: true }),
      );
      workflowId = (await alice.api.post('/workflows', { name: 'Search', isPublic: true, ...graph })).body.data.id;
    });

    afterAll(async () => {
      await cluster?.stop();
    });

    it("calls the cluster's POST /api/v1/search as the caller, with the signed identity assertion and the cluster credential", async () => {
      const res = await alice.api.post(`/workflows/${workflowId}/run-sync`, { input: { q: 'sea ice' } });
      expect(res.status).toBe(200);
      expect(res.body.data.status).toBe('completed');
      const answer = res.body.data.result.results['output-1'][0];
      expect(answer.query).toBe('sea ice');
      expect(answer.results.length).toBeGreaterThan(0);

      const call = cluster.requests.find((r) => r.path.endsWith('/api/v1/search'));
      expect(call).toBeDefined();
      expect(call?.method).toBe('POST');
      expect(JSON.parse(call?.body || '{}')).toMatchObject({ query: 'sea ice', limit: 5, offset: 0 });
      const headers = call?.headers ?? {};
      expect(headers['authorization']).toBe('Bearer cluster-secret');
      expect(headers['x-user-id']).toBe(String(alice.userId));
      expect(headers['x-organization-id']).toBe(String(alice.organizationId));
      expect(headers['idempotency-key']).toBe(`${res.body.data.id}:search-1`);
      const ring = new AssertionKeyRing(env['IDENTITY_ASSERTION_KEYS'] as string);
      const claims = await ring.verify(String(headers['x-alien-identity']), {
        issuer: DEFAULT_ASSERTION_ISSUER,
        audience: String(clusterId),
        type: ASSERTION_TYPES.identity,
      });
      expect(claims).toMatchObject({ sub: String(alice.userId), org: alice.organizationId });
      const context = await alice.api.get(`/jobs/${res.body.data.id}/compute-context`);
      expect(context.body.data.clusters).toEqual([String(clusterId)]);
    });

    it('follows the cluster access rules: a run by another organization cannot reach a cluster not shared with it', async () => {
      const before = cluster.requests.length;
      const res = await bob.api.post(`/workflows/${workflowId}/run-sync`, { input: { q: 'sea ice' } });
      expect(res.status).toBe(200);
      expect(res.body.data.status).toBe('failed');
      expect(res.body.data.error).toMatchObject({ nodeId: 'search-1' });
      expect(cluster.requests.length).toBe(before);
    });
  });

  describe('chat_completion: an AI model of the registry, streamed token by token', () => {
    let openai: OpenAiServer;
    let modelId: number;
    let workflowId: number;

    beforeAll(async () => {
      openai = await startOpenAiServer({ reply: 'The sea is rising slowly', tokenDelayMs: 40 });
      const model = await alice.api.post('/ai-models', {
        name: `Fake GPT ${Date.now()}`,
        modelType: 'llm',
        apiUrl: openai.url,
        pricingType: 'per_token',
        pricePerInputToken: 0.001,
        pricePerOutputToken: 0.002,
      });
      expect(model.status).toBe(201);
      modelId = model.body.data.id;
      expect((await alice.api.put(`/ai-models/${modelId}/credentials`, { apiKey: openai.apiKey })).status).toBe(200);
      const graph = chain(
        node('input-1', 'input', {}, { isInput: true }),
        node('chat-1', 'chat_completion', { model: modelId, user_prompt: '@input-1.question' }),
        node('output-1', 'output', {}, { isOutput: true }),
      );
      workflowId = (await alice.api.post('/workflows', { name: 'Chat', ...graph })).body.data.id;
    });

    afterAll(async () => {
      await openai?.stop();
    });

    it('reaches an SSE client chunk by chunk, with the provisioned key, and bills the tokens to the run', async () => {
      const job = (await alice.api.post(`/workflows/${workflowId}/run`, { input: { question: 'What about the sea?' } })).body.data;
      const res = await readSse(
        `${gatewayUrl}/jobs/${job.id}/stream`,
        { authorization: `Bearer ${alice.token}`, 'x-organization-id': String(alice.organizationId) },
        { timeoutMs: 20_000 },
      );
      const chunkEvents = res.events.filter((e) => e.data.event === 'chunk');
      const tokens = chunkEvents.map((e) => e.data.result.stream['chat-1'].chunks[0].choices?.[0]?.delta?.content ?? '').join('');
      expect(chunkEvents.length).toBeGreaterThanOrEqual(4);
      expect(tokens).toContain('The sea is rising slowly');
      // Chunks arrived over time, not all at once at the end.
      const done = res.events[res.events.length - 1]?.data;
      expect(done).toMatchObject({ type: 'done', status: 'completed' });
      expect(done.result.stream['chat-1'].chunks.length).toBe(chunkEvents.length);
      expect(JSON.stringify(done.result.results['output-1'][0])).toContain('The sea is rising slowly');
      const call = openai.requestsTo('/v1/chat/completions')[0];
      expect(call?.headers['authorization']).toBe(`Bearer ${openai.apiKey}`);
      const context = (await alice.api.get(`/jobs/${job.id}/compute-context`)).body.data;
      expect(context.models).toEqual([String(modelId)]);
      expect(context.units.tokens).toBeGreaterThan(0);
      expect(context.units.cost).toBeGreaterThan(0);
      const consumption = await alice.api.get('/consumption?groupBy=model');
      expect(consumption.body.data.rows.find((r: any) => r.key === String(modelId))).toMatchObject({ unit: 'tokens', jobs: expect.any(Number) });
      expect(consumption.body.data.totalCost).toBeGreaterThan(0);
    });

    it('another organization’s run cannot use a private model (the node fails, nothing is sent to the model)', async () => {
      const before = openai.requests.length;
      const shared = (await alice.api.post('/workflows', {
        name: 'Chat shared',
        isPublic: true,
        ...chain(node('input-1', 'input', {}, { isInput: true }), node('chat-1', 'chat_completion', { model: modelId, user_prompt: 'hi' }), node('output-1', 'output', {}, { isOutput: true })),
      })).body.data;
      const res = await bob.api.post(`/workflows/${shared.id}/run-sync`, {});
      expect(res.body.data.status).toBe('failed');
      expect(res.body.data.error).toMatchObject({ nodeId: 'chat-1' });
      expect(openai.requests.length).toBe(before);
    });
  });

  describe('get_entries: a catalog dataset as the caller sees it', () => {
    it('lists the entries of a dataset of the caller’s organization; another organization’s run is refused', async () => {
      const cluster = (await alice.api.post('/clusters', { name: `Entries cluster ${Date.now()}`, baseUrl: 'http://127.0.0.1:9/' })).body.data;
      const dataset = (await alice.api.post('/datasets', { name: `Entries ${Date.now()}`, type: 'text', clusterId: cluster.id })).body.data;
      for (const key of ['a.txt', 'b.txt']) {
        expect((await alice.api.post(`/datasets/${dataset.id}/entries`, { key, metadata: {} })).status).toBe(201);
      }
      const graph = chain(node('input-1', 'input', {}, { isInput: true }), node('entries-1', 'get_entries', { datasetId: dataset.id }), node('output-1', 'output', {}, { isOutput: true }));
      const wf = (await alice.api.post('/workflows', { name: 'Entries', isPublic: true, ...graph })).body.data;
      const mine = await alice.api.post(`/workflows/${wf.id}/run-sync`, {});
      expect(mine.body.data.status).toBe('completed');
      const page = mine.body.data.result.results['output-1'][0];
      expect(page.data.map((e: any) => e.key)).toEqual(['a.txt', 'b.txt']);
      expect(page.meta).toMatchObject({ total: 2 });
      const theirs = await bob.api.post(`/workflows/${wf.id}/run-sync`, {});
      expect(theirs.body.data.status).toBe('failed');
      expect(theirs.body.data.error).toMatchObject({ nodeId: 'entries-1' });
    });
  });

  describe('external_api: through the metered external-API proxy, billed to the job', () => {
    let third: ThirdPartyApi;
    let connector: number;
    let endpoint: number;

    beforeAll(async () => {
      third = await startThirdPartyApi();
      const admin = client(gatewayUrl, (await createActor(env, 'nodes-xa-admin', { platformAdmin: true })).token);
      await admin.post('/organizations', { name: `XA admins ${Date.now()}` });
      const created = await admin.post('/external-apis', {
        name: `Translator ${Date.now()}`,
        baseUrl: third.url,
        auth: { type: 'header', name: 'X-Api-Key' },
        secret: 'tp-secret-for-workers',
        visibility: 'organizations',
        organizationIds: [alice.organizationId],
      });
      expect(created.status).toBe(201);
      connector = created.body.data.id;
      const ep = await admin.post(`/external-apis/${connector}/endpoints`, {
        operationId: 'translate',
        method: 'POST',
        path: '/v1/translate',
        unitPriceCents: 5,
        billing: { mode: 'upstream' },
      });
      expect(ep.status).toBe(201);
      endpoint = ep.body.data.id;
    });

    afterAll(async () => {
      await third?.stop();
    });

    it("calls the endpoint as the job's caller with the connector's secret, bills the units to the job and to the run's consumption", async () => {
      const graph = chain(
        node('input-1', 'input', {}, { isInput: true }),
        node('ext-1', 'external_api', { connectorId: connector, endpointId: endpoint, body: '@input-1', query: { units: 4 } }),
        node('output-1', 'output', {}, { isOutput: true }),
      );
      const wf = (await alice.api.post('/workflows', { name: 'External', isPublic: true, ...graph })).body.data;
      const res = await alice.api.post(`/workflows/${wf.id}/run-sync`, { input: { text: 'bonjour' } });
      expect(res.body.data.status).toBe('completed');
      const out = res.body.data.result.results['output-1'][0];
      expect(out).toMatchObject({ status: 200, billedUnits: 4 });
      expect(out.body.headers['x-api-key']).toBe('tp-secret-for-workers');
      expect(JSON.parse(out.body.body)).toEqual({ text: 'bonjour' });
      expect(out.body.headers['x-alien-platform-call']).toBeUndefined();
      // The proxy recorded the call for the job; our consumption prices it (4 units × 5 cents).
      const usage = await query<{ units: number; job_id: number }>(databaseUrl, 'SELECT units, job_id FROM proxy.usage_records WHERE job_id = $1', [res.body.data.id]);
      expect(usage).toEqual([{ units: 4, job_id: res.body.data.id }]);
      const context = (await alice.api.get(`/jobs/${res.body.data.id}/compute-context`)).body.data;
      expect(context.connectors).toEqual([String(connector)]);
      expect(context.units).toMatchObject({ externalUnits: 4, cost: 0.2 });
      const consumption = await alice.api.get(`/workflows/${wf.id}/consumption?groupBy=connector`);
      expect(consumption.body.data.rows).toEqual([expect.objectContaining({ key: String(connector), quantity: 4, unit: 'units', cost: 0.2, jobs: 1 })]);
    });

    it("another organization's run does not reach a connector not shared with it", async () => {
      const before = third.requests.length;
      const graph = chain(node('input-1', 'input', {}, { isInput: true }), node('ext-1', 'external_api', { connectorId: connector, endpointId: endpoint, body: {} }), node('output-1', 'output', {}, { isOutput: true }));
      const wf = (await alice.api.post('/workflows', { name: 'External shared', isPublic: true, ...graph })).body.data;
      const res = await bob.api.post(`/workflows/${wf.id}/run-sync`, {});
      expect(res.body.data.status).toBe('failed');
      expect(res.body.data.error).toMatchObject({ nodeId: 'ext-1' });
      expect(third.requests.length).toBe(before);
    });
  });

  describe('http_request: SSRF guard (no allow-list on the shared platform)', () => {
    let upstream: CountingServer;

    beforeAll(async () => {
      upstream = await startCountingServer();
    });

    afterAll(async () => {
      await upstream?.stop();
    });

    it.each([
      ['loopback', () => `${upstream.url}/hello`],
      ['the link-local metadata address', () => 'http://169.254.169.254/latest/meta-data/'],
      ['IPv6 loopback', () => `http://[::1]:${upstream.port}/hello`],
    ])('refuses %s', async (_what, url) => {
      const graph = chain(node('input-1', 'input', {}, { isInput: true }), node('http-1', 'http_request', { url: url() }), node('output-1', 'output', {}, { isOutput: true }));
      const wf = (await alice.api.post('/workflows', { name: `ssrf ${Math.random()}`, ...graph })).body.data;
      const res = await alice.api.post(`/workflows/${wf.id}/run-sync`, {});
      expect(res.body.data.status).toBe('failed');
      expect(res.body.data.error).toMatchObject({ code: 'ssrf_refused', nodeId: 'http-1' });
      expect(upstream.hits()).toBe(0);
    });
  });
});
