import { ANONYMOUS, Identity, RequestContext } from '@alien/identity';
import { PrefixedClientNats, RpcClient, natsOptions } from '@alien/nest-rpc';
import { ClusterRef, ClusterRoute, OrchestrationContracts } from '@alien/orchestration/contracts';
import { Actor, client, createActor } from '@alien/testing';
import { randomBytes } from 'node:crypto';
import { sharedPlatform } from '../support/env';

const { gatewayUrl, env } = sharedPlatform();

/**
 * The contracts other services build on, called over NATS the way they call them: `visible` (catalog)
 * and `route` (the proxy). The caller's identity travels in `ctx`; nothing else decides.
 */
describe('orchestration cluster contracts over NATS', () => {
  let rpc: RpcClient;
  let owner: Actor;
  let ownerOrg: number;
  let partnerOrg: number;
  let strangerOrg: number;
  let owned: number;
  let shared: number;
  let suspended: number;
  const credential = `route-cred-${randomBytes(8).toString('hex')}`;

  const ctxFor = (organizationId: number | null, userId: number | null = 1): RequestContext => {
    const identity: Identity = { ...ANONYMOUS, userId, organizationId, role: 'viewer', authMethod: userId === null ? 'anonymous' : 'token' };
    return { requestId: `contract-${randomBytes(4).toString('hex')}`, identity };
  };

  beforeAll(async () => {
    const prefix = process.env['E2E_SUBJECT_PREFIX'] ?? '';
    const url = process.env['E2E_NATS_URL'] ?? 'nats://127.0.0.1:4222';
    rpc = new RpcClient(new PrefixedClientNats(natsOptions({ url, subjectPrefix: prefix, name: 'e2e-contracts' }, 'client'), prefix), 'orchestration', 5_000);
    let partner: Actor, stranger: Actor;
    [owner, partner, stranger] = await Promise.all(['ct-owner', 'ct-partner', 'ct-stranger'].map((l) => createActor(env, l)));
    const api = client(gatewayUrl, owner.token);
    ownerOrg = (await api.post('/organizations', { name: `Contracts ${randomBytes(3).toString('hex')}` })).body.data.id;
    partnerOrg = (await client(gatewayUrl, partner.token).post('/organizations', { name: 'Contract partner' })).body.data.id;
    strangerOrg = (await client(gatewayUrl, stranger.token).post('/organizations', { name: 'Contract stranger' })).body.data.id;
    owned = (await api.post('/clusters', { name: 'Owned', baseUrl: 'http://127.0.0.1:9/data', credential })).body.data.id;
    shared = (await api.post('/clusters', { name: 'Shared', baseUrl: 'http://127.0.0.1:9', sharedWithOrganizationIds: [partnerOrg] })).body.data.id;
    suspended = (await api.post('/clusters', { name: 'Suspended', baseUrl: 'http://127.0.0.1:9', suspended: true })).body.data.id;
  });

  afterAll(async () => {
    await rpc?.close();
  });

  it('visible: the ids the organization may use, in request order, unknown and foreign ones omitted', async () => {
    const ids = [shared, 2147483647, owned, suspended];
    const mine: ClusterRef[] = await rpc.call(OrchestrationContracts.clusters.visible, { ids }, ctxFor(ownerOrg));
    expect(mine.map((c) => c.id)).toEqual([shared, owned, suspended]);
    expect(mine[1]).toEqual({ id: owned, slug: 'owned', name: 'Owned', status: 'pending', organizationId: ownerOrg, proxyPath: `/clusters/${owned}/proxy` });
    expect(mine[2]?.status).toBe('suspended');
    expect((await rpc.call(OrchestrationContracts.clusters.visible, { ids }, ctxFor(partnerOrg))).map((c) => c.id)).toEqual([shared]);
    expect(await rpc.call(OrchestrationContracts.clusters.visible, { ids }, ctxFor(strangerOrg))).toEqual([]);
    expect(await rpc.call(OrchestrationContracts.clusters.visible, { ids }, ctxFor(null, null))).toEqual([]);
    expect(await rpc.call(OrchestrationContracts.clusters.visible, { ids: [] }, ctxFor(ownerOrg))).toEqual([]);
  });

  it('route: where to forward, with the credential sealed (never in clear on the bus)', async () => {
    const route: ClusterRoute = await rpc.call(OrchestrationContracts.clusters.route, { id: owned }, ctxFor(ownerOrg));
    expect(route).toEqual({
      cluster: expect.objectContaining({ id: owned, organizationId: ownerOrg, status: 'pending' }),
      baseUrl: 'http://127.0.0.1:9/data',
      sealedCredential: expect.stringMatching(/^v1\.t1\./),
    });
    expect(JSON.stringify(route)).not.toContain(credential);
    expect((await rpc.call(OrchestrationContracts.clusters.route, { id: shared }, ctxFor(partnerOrg))).sealedCredential).toBeNull();
  });

  it('route: 404 for other organizations and unknown ids alike, 503 when suspended, 401 without a user', async () => {
    await expect(rpc.call(OrchestrationContracts.clusters.route, { id: owned }, ctxFor(strangerOrg))).rejects.toMatchObject({ status: 404, code: 'not_found' });
    await expect(rpc.call(OrchestrationContracts.clusters.route, { id: 2147483647 }, ctxFor(ownerOrg))).rejects.toMatchObject({ status: 404, code: 'not_found' });
    await expect(rpc.call(OrchestrationContracts.clusters.route, { id: owned }, ctxFor(partnerOrg))).rejects.toMatchObject({ status: 404 });
    await expect(rpc.call(OrchestrationContracts.clusters.route, { id: suspended }, ctxFor(ownerOrg))).rejects.toMatchObject({ status: 503, code: 'cluster_suspended' });
    await expect(rpc.call(OrchestrationContracts.clusters.route, { id: owned }, ctxFor(ownerOrg, null))).rejects.toMatchObject({ status: 401 });
    await expect(rpc.call(OrchestrationContracts.clusters.route, { id: owned }, ctxFor(null))).rejects.toMatchObject({ status: 404 });
  });
});
