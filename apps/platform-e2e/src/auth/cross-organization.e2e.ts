import { Actor, client, createActor, request } from '@alien/testing';
import { sharedPlatform } from '../support/env';

const { gatewayUrl, env } = sharedPlatform();

/**
 * Organization B's members, with every kind of token they have, call every identity route on
 * organization A's resources: the answer is always 404 (A's existence is never confirmed) or 403
 * (a context they are not in), never 2xx — and A is unchanged afterwards.
 */
describe('cross-organization matrix', () => {
  let a: Actor;
  let aMember: Actor;
  let b: Actor;
  let orgA: number;
  let slugA: string;
  let aTokenId: number;
  let bTokens: { label: string; token: string }[];

  beforeAll(async () => {
    [a, aMember, b] = await Promise.all([createActor(env, 'matrix-a'), createActor(env, 'matrix-a2'), createActor(env, 'matrix-b')]);
    slugA = `org-a-${Date.now().toString(36)}`;
    orgA = (await client(gatewayUrl, a.token).post('/organizations', { name: 'Org A', slug: slugA })).body.data.id;
    await client(gatewayUrl, a.token).post(`/organizations/${orgA}/members`, { userId: aMember.userId, role: 'writer' });
    aTokenId = (await client(gatewayUrl, a.token).post('/access-tokens', { name: 'a secret' })).body.data.id;
    const orgB = (await client(gatewayUrl, b.token).post('/organizations', { name: 'Org B' })).body.data.id;
    const restricted = await client(gatewayUrl, b.token).post('/access-tokens', { name: 'b restricted', organizationId: orgB });
    const unrestricted = await client(gatewayUrl, b.token).post('/access-tokens', { name: 'b any', organizationId: null });
    bTokens = [
      { label: 'cli token', token: b.token },
      { label: 'restricted to B', token: restricted.body.data.token },
      { label: 'unrestricted', token: unrestricted.body.data.token },
    ];
  });

  const routes = (): [string, string, unknown?][] => [
    ['GET', `/organizations/${orgA}`],
    ['GET', `/organizations/slug/${slugA}`],
    ['PATCH', `/organizations/${orgA}`, { name: 'Taken over' }],
    ['DELETE', `/organizations/${orgA}`],
    ['POST', `/organizations/${orgA}/switch`],
    ['GET', `/organizations/${orgA}/members`],
    ['POST', `/organizations/${orgA}/members`, { userId: 1, role: 'owner' }],
    ['PATCH', `/organizations/${orgA}/members/${aMember.userId}`, { role: 'viewer' }],
    ['DELETE', `/organizations/${orgA}/members/${aMember.userId}`],
    ['GET', `/access-tokens/${aTokenId}`],
    ['DELETE', `/access-tokens/${aTokenId}`],
    ['POST', '/access-tokens', { name: 'into A', organizationId: orgA }],
  ];

  it('answers 404 or 403, never 2xx, for every route and token of B', async () => {
    const results: string[] = [];
    for (const { label, token } of bTokens) {
      for (const [method, path, body] of routes()) {
        const res = await request(gatewayUrl, path, { method, token, body });
        results.push(`${label} ${method} ${path} → ${res.status}`);
        expect([403, 404]).toContain(res.status);
        expect(res.body).toMatchObject({ success: false });
      }
      const ctx = await client(gatewayUrl, token).get('/users/me', { headers: { 'x-organization-id': String(orgA) } });
      expect(ctx.status).toBe(403);
    }
    expect(results.filter((r) => / → 2\d\d$/.test(r))).toEqual([]);
  });

  it('leaves A untouched', async () => {
    const org = await client(gatewayUrl, a.token).get(`/organizations/${orgA}`);
    expect(org.body.data.name).toBe('Org A');
    const members = await client(gatewayUrl, a.token).get(`/organizations/${orgA}/members`);
    expect(members.body.data.map((m: { userId: number; role: string }) => [m.userId, m.role]).sort()).toEqual(
      [[a.userId, 'owner'], [aMember.userId, 'writer']].sort(),
    );
    expect((await client(gatewayUrl, a.token).get(`/access-tokens/${aTokenId}`)).status).toBe(200);
  });
});
