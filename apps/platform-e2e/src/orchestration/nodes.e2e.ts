import { AssertionKeyRing, ASSERTION_TYPES, DEFAULT_ASSERTION_ISSUER } from '@alien/identity-assertion';
import { CountingServer, FakeDataCluster, startCountingServer, startFakeDataCluster } from '@alien/testing';
import { sharedPlatform } from '../support/env';
import { Member, chain, memberWithOrganization, node } from './support';

const { gatewayUrl, env } = sharedPlatform();

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
