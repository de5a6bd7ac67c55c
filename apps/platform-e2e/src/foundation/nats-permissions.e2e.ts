import { AuthContracts } from '@alien/auth/contracts';
import { CatalogContracts } from '@alien/catalog/contracts';
import { AuthEvents } from '@alien/contracts';
import { NatsApp } from '@alien/platform/nats-permissions';
import { NatsServerHandle, Platform, client, createActor, startFakeDataCluster, startPlatform } from '@alien/testing';
import { chain, node, readSse } from '../orchestration/support';
import { JSONCodec, NatsConnection, connect } from 'nats';
import { spawnSecuredNats } from '../support/secured-nats';

jest.setTimeout(120_000);

const codec = JSONCodec();

/**
 * The platform on a nats-server that requires a user per app with the permissions generated from the
 * contracts (the same generator writes deploy/nats/nats-server.conf). Everything works; a service's
 * credentials cannot call another service or forge its events; anonymous clients are refused.
 */
describe('foundation: NATS users and permissions (own nats-server)', () => {
  let nats: NatsServerHandle;
  let prefix: string;
  let passwords: Record<NatsApp, string>;
  let platform: Platform;
  const connections: NatsConnection[] = [];

  const as = async (app: NatsApp) => {
    const nc = await connect({ servers: nats.url, user: app, pass: passwords[app], timeout: 2_000 });
    connections.push(nc);
    return nc;
  };
  const ask = (nc: NatsConnection, subject: string, data: unknown) =>
    nc.request(prefix + subject, codec.encode({ pattern: subject, id: 'x', data: { ctx: { requestId: 'perm', identity: { userId: 1, isPlatformAdmin: true } }, data } }), {
      timeout: 1_500,
    });

  beforeAll(async () => {
    const secured = await spawnSecuredNats();
    ({ nats, prefix, passwords } = secured);
    platform = await startPlatform({ label: `nats-perms-${process.pid}`, natsUrl: nats.url, natsUsers: secured.natsUsers, env: { NATS_SUBJECT_PREFIX: prefix } });
  }, 90_000);

  afterAll(async () => {
    await Promise.all(connections.map((c) => c.close().catch(() => undefined)));
    await platform?.stop();
    await nats?.dispose();
  }, 60_000);

  it('the platform works with its own users: reads, writes, tokens, health', async () => {
    const actor = await createActor(platform.env, 'perms');
    const api = client(platform.gatewayUrl, actor.token);
    expect((await api.get('/tags/1')).status).toBe(200);
    expect((await api.get('/users/me')).status).toBe(200);
    expect((await api.post('/organizations', { name: 'Permissions' })).status).toBe(201);
    expect((await client(platform.gatewayUrl).get('/health')).status).toBe(200);
  });

  it('every cross-service path works under the permissions: dataset on a cluster, cluster proxy, a workflow reading entries, its SSE stream', async () => {
    const actor = await createActor(platform.env, 'perms-paths');
    const api = client(platform.gatewayUrl, actor.token);
    expect((await api.post('/organizations', { name: 'Paths' })).status).toBe(201);
    const fake = await startFakeDataCluster();
    try {
      // orchestration
      const cluster = await api.post('/clusters', { name: 'Paths cluster', baseUrl: fake.baseUrl, credential: 'cluster-secret' });
      expect(cluster.status).toBe(201);
      // catalog → orchestration.cluster.visible
      const dataset = await api.post('/datasets', { name: 'Paths dataset', type: 'text', clusterId: cluster.body.data.id });
      expect(dataset.status).toBe(201);
      expect((await api.post(`/datasets/${dataset.body.data.id}/entries`, { key: 'a.txt', metadata: {} })).status).toBe(201);
      // proxy → auth (token), orchestration.cluster.route
      expect((await api.get(`/clusters/${cluster.body.data.id}/proxy/echo/through`)).status).toBe(200);
      // worker → catalog.entry.list, and the job's events over JetStream to the gateway's SSE
      const graph = chain(node('input-1', 'input', {}, { isInput: true }), node('entries-1', 'get_entries', { datasetId: dataset.body.data.id }), node('output-1', 'output', {}, { isOutput: true }));
      const wf = (await api.post('/workflows', { name: 'Paths', ...graph })).body.data;
      const run = await api.post(`/workflows/${wf.id}/run-sync`, {});
      expect(run.body.data.status).toBe('completed');
      expect(run.body.data.result.results['output-1'][0].data.map((e: { key: string }) => e.key)).toEqual(['a.txt']);
      const sse = await readSse(`${platform.gatewayUrl}/jobs/${run.body.data.id}/stream`, { authorization: `Bearer ${actor.token}` }, { until: (e) => e.event === 'done' });
      expect(sse.events.map((e) => e.event)).toEqual(['init', 'done']);
    } finally {
      await fake.stop();
    }
  });

  it('refuses an anonymous client and a wrong password', async () => {
    await expect(connect({ servers: nats.url, timeout: 2_000 })).rejects.toThrow(/Authorization Violation/i);
    await expect(connect({ servers: nats.url, user: 'catalog', pass: 'guess', timeout: 2_000 })).rejects.toThrow(/Authorization Violation/i);
  });

  it("a service's credentials cannot call another service's admin subject", async () => {
    const catalog = await as('catalog');
    const errors: string[] = [];
    void (async () => {
      for await (const s of catalog.status()) if (s.type === 'error') errors.push(String(s.data));
    })();
    const victim = await createActor(platform.env, 'victim');
    await expect(ask(catalog, AuthContracts.users.setStatus.subject, { id: victim.userId, status: 'deactivated' })).rejects.toThrow();
    await new Promise((r) => setTimeout(r, 200));
    expect(errors.join('\n')).toMatch(/PERMISSIONS_VIOLATION/);
    // Auth never saw it: the user is still active and their token works.
    expect((await client(platform.gatewayUrl, victim.token).get('/users/me')).body.data.status).toBe('active');
  });

  it('a service cannot forge another service’s events, nor the gateway any event', async () => {
    for (const app of ['catalog', 'gateway'] as const) {
      const nc = await as(app);
      const errors: string[] = [];
      void (async () => {
        for await (const s of nc.status()) if (s.type === 'error') errors.push(String(s.data));
      })();
      nc.publish(prefix + AuthEvents.organizationDeleted.subject, codec.encode({ organizationId: 1, memberUserIds: [] }));
      await nc.flush().catch(() => undefined);
      await new Promise((r) => setTimeout(r, 200));
      expect({ app, errors: errors.join('\n') }).toEqual({ app, errors: expect.stringMatching(/PERMISSIONS_VIOLATION/) });
    }
  });

  it('the gateway may call service subjects; a service may not listen on another service’s subjects', async () => {
    const gateway = await as('gateway');
    const reply = codec.decode((await ask(gateway, CatalogContracts.reference.tags.get.subject, { id: 1 })).data) as { response?: { id: number } };
    expect(reply.response?.id).toBe(1);
    const catalog = await as('catalog');
    const errors: string[] = [];
    void (async () => {
      for await (const s of catalog.status()) if (s.type === 'error') errors.push(String(s.data));
    })();
    catalog.subscribe(`${prefix}auth.>`);
    await catalog.flush().catch(() => undefined);
    await new Promise((r) => setTimeout(r, 200));
    expect(errors.join('\n')).toMatch(/PERMISSIONS_VIOLATION/);
  });
});
