import { Actor, client, createActor, joinOrganization, request, startThirdPartyApi, ThirdPartyApi } from '@alien/testing';
import { randomBytes } from 'node:crypto';
import { sharedPlatform } from '../support/env';

const { gatewayUrl, env } = sharedPlatform();

/**
 * Every external-API route × callers outside the organizations a connector is for (anonymous, another
 * organization's owner and viewer, a read token): never a 2xx that shows, changes or calls it, and
 * usage never shows another organization's calls.
 */
describe('external APIs: cross-organization matrix', () => {
  let third: ThirdPartyApi;
  let memberA: Actor;
  let connector: number;
  let endpoint: number;
  let slug: string;
  let name: string;
  let callers: { label: string; token?: string; headers?: Record<string, string> }[];

  beforeAll(async () => {
    third = await startThirdPartyApi();
    let admin: Actor, ownerB: Actor, viewerB: Actor;
    [admin, memberA, ownerB, viewerB] = await Promise.all(
      [['xx-admin', true], ['xx-a', false], ['xx-b', false], ['xx-b-viewer', false]].map(([l, pa]) => createActor(env, l as string, { platformAdmin: pa as boolean })),
    );
    const orgA = (await client(gatewayUrl, memberA.token).post('/organizations', { name: 'Metered A' })).body.data.id;
    const orgB = (await client(gatewayUrl, ownerB.token).post('/organizations', { name: 'Metered B' })).body.data.id;
    await joinOrganization(gatewayUrl, ownerB, orgB, viewerB, 'viewer');
    const readB = (await client(gatewayUrl, ownerB.token).post('/access-tokens', { name: 'read B', abilities: ['read'], organizationId: orgB })).body.data.token;
    slug = `private-api-${randomBytes(3).toString('hex')}`;
    name = `Private API ${randomBytes(3).toString('hex')}`;
    connector = (await client(gatewayUrl, admin.token).post('/external-apis', { name, slug, baseUrl: third.url, auth: { type: 'bearer' }, secret: 'xx-secret', visibility: 'organizations', organizationIds: [orgA] })).body.data.id;
    endpoint = (await client(gatewayUrl, admin.token).post(`/external-apis/${connector}/endpoints`, { operationId: 'secret-op', method: 'POST', path: '/v1/translate', unitPriceCents: 1, billing: { mode: 'fixed', units: 1 } })).body.data.id;
    // A's usage exists, so B's summary could leak it.
    expect((await client(gatewayUrl, memberA.token).post(`/external-apis/${connector}/endpoints/${endpoint}/proxy`, { x: 1 })).status).toBe(200);
    callers = [
      { label: 'anonymous' },
      { label: 'owner of B', token: ownerB.token },
      { label: 'viewer of B', token: viewerB.token, headers: { 'x-organization-id': String(orgB) } },
      { label: 'read token of B', token: readB },
    ];
  });

  afterAll(async () => {
    await third?.stop();
  });

  const routes = (): [string, string, unknown?][] => [
    ['GET', `/external-apis/${connector}`],
    ['GET', `/external-apis/slug/${slug}`],
    ['GET', `/external-apis/${connector}/endpoints`],
    ['GET', `/external-apis/${connector}/endpoints/${endpoint}`],
    ['PATCH', `/external-apis/${connector}`, { visibility: 'public' }],
    ['DELETE', `/external-apis/${connector}`],
    ['POST', `/external-apis/${connector}/endpoints`, { operationId: 'mine', method: 'GET', path: '/x', unitPriceCents: 0, billing: { mode: 'upstream' } }],
    ['PATCH', `/external-apis/${connector}/endpoints/${endpoint}`, { unitPriceCents: 0 }],
    ['DELETE', `/external-apis/${connector}/endpoints/${endpoint}`],
    ['POST', `/external-apis/${connector}/endpoints/${endpoint}/proxy`, { x: 1 }],
  ];

  it('never answers 2xx for A’s connector, and never shows it or A’s usage', async () => {
    const calls = third.requests.length;
    const leaks: string[] = [];
    for (const caller of callers) {
      for (const [method, path, body] of routes()) {
        const res = await request(gatewayUrl, path, { method, body, token: caller.token, headers: caller.headers });
        const expected = caller.token ? [403, 404] : [401];
        if (!expected.includes(res.status) || res.text.includes(name) || res.text.includes('secret-op')) leaks.push(`${caller.label} ${method} ${path} → ${res.status}`);
      }
      const list = await request(gatewayUrl, '/external-apis?perPage=100', { token: caller.token, headers: caller.headers });
      if (list.text.includes(name)) leaks.push(`${caller.label} sees A's connector in the list`);
      const usage = await request(gatewayUrl, '/external-apis/usage', { token: caller.token, headers: caller.headers });
      if (usage.status === 200 && usage.body.data.totals.calls !== 0) leaks.push(`${caller.label} sees calls in usage`);
      if (usage.text.includes('secret-op')) leaks.push(`${caller.label} sees A's usage`);
    }
    expect(leaks).toEqual([]);
    expect(third.requests.length).toBe(calls);
  });
});
