import { Actor, client, createActor, joinOrganization, request } from '@alien/testing';
import { randomBytes } from 'node:crypto';
import { sharedPlatform } from '../support/env';

const { gatewayUrl, env } = sharedPlatform();

/**
 * Every cluster route × callers outside the owning organization (anonymous, another organization's
 * owner and viewer, a read token): never a 2xx that shows or changes organization A's cluster.
 */
describe('clusters: cross-organization matrix', () => {
  let ownerA: Actor;
  let clusterA: number;
  let slugA: string;
  let nameA: string;
  let callers: { label: string; token?: string; headers?: Record<string, string> }[];

  beforeAll(async () => {
    let ownerB: Actor, viewerB: Actor;
    [ownerA, ownerB, viewerB] = await Promise.all(['xo-a', 'xo-b', 'xo-b-viewer'].map((l) => createActor(env, l)));
    await client(gatewayUrl, ownerA.token).post('/organizations', { name: 'Cluster org A' });
    const orgB = (await client(gatewayUrl, ownerB.token).post('/organizations', { name: 'Cluster org B' })).body.data.id;
    // The one membership this matrix needs: a viewer of B.
    await joinOrganization(gatewayUrl, ownerB, orgB, viewerB, 'viewer');
    const readB = (await client(gatewayUrl, ownerB.token).post('/access-tokens', { name: 'read B', abilities: ['read'], organizationId: orgB })).body.data.token;
    slugA = `secret-cluster-${randomBytes(3).toString('hex')}`;
    nameA = `Secret cluster ${randomBytes(3).toString('hex')}`;
    clusterA = (await client(gatewayUrl, ownerA.token).post('/clusters', { name: nameA, slug: slugA, baseUrl: 'http://127.0.0.1:9', credential: 'xo-secret' })).body.data.id;
    callers = [
      { label: 'anonymous' },
      { label: 'owner of B', token: ownerB.token },
      { label: 'viewer of B', token: viewerB.token, headers: { 'x-organization-id': String(orgB) } },
      { label: 'read token of B', token: readB },
    ];
  });

  const routes = (): [string, string, unknown?][] => [
    ['GET', `/clusters/${clusterA}`],
    ['GET', `/clusters/slug/${slugA}`],
    ['PATCH', `/clusters/${clusterA}`, { name: 'Taken over', sharedWithOrganizationIds: [] }],
    ['DELETE', `/clusters/${clusterA}`],
    ['POST', `/clusters/${clusterA}/check`],
    ['GET', `/clusters/${clusterA}/proxy-logs`],
    ['GET', `/clusters/${clusterA}/proxy/api/v1/anything`],
    ['POST', `/clusters/${clusterA}/proxy/api/v1/search`, { query: 'x' }],
    ['DELETE', `/clusters/${clusterA}/proxy/api/v1/thing`],
  ];

  it('never answers 2xx for A’s cluster, and never shows it in lists or batches', async () => {
    const leaks: string[] = [];
    for (const caller of callers) {
      for (const [method, path, body] of routes()) {
        const res = await request(gatewayUrl, path, { method, body, token: caller.token, headers: caller.headers });
        const expected = caller.token ? [403, 404] : [401];
        if (!expected.includes(res.status) || res.text.includes(nameA) || res.text.includes(slugA)) leaks.push(`${caller.label} ${method} ${path} → ${res.status}`);
      }
      for (const path of ['/clusters', `/clusters/batch?ids=${clusterA}`, `/clusters/batch?slugs=${slugA}`, '/clusters?q=secret']) {
        const res = await request(gatewayUrl, path, { token: caller.token, headers: caller.headers });
        if (caller.token ? res.status !== 200 : res.status !== 401) leaks.push(`${caller.label} GET ${path} → ${res.status}`);
        if (res.text.includes(nameA) || res.text.includes(slugA)) leaks.push(`${caller.label} GET ${path} shows A's cluster`);
      }
    }
    expect(leaks).toEqual([]);
  });

  it('leaves A’s cluster as it was', async () => {
    const res = await client(gatewayUrl, ownerA.token).get(`/clusters/${clusterA}`);
    expect(res.body.data).toMatchObject({ name: nameA, slug: slugA, hasCredential: true, sharedWithOrganizationIds: [] });
  });
});
