import { Actor, client, createActor, joinOrganization, request } from '@alien/testing';
import { sharedPlatform } from '../support/env';

const { gatewayUrl, env } = sharedPlatform();

/**
 * Organization B's members, with every kind of token they have, call every identity route on
 * organization A's resources: the answer is always 404 (A's existence is never confirmed) or 403
 * (a context they are not in), never 2xx — and A is unchanged afterwards. Anonymous callers get 401,
 * a read-only token 403 on every write, and nothing A holds (emails, names) leaks into any answer.
 */
describe('cross-organization matrix', () => {
  let a: Actor;
  let aMember: Actor;
  let aInvitee: Actor;
  let b: Actor;
  let orgA: number;
  let slugA: string;
  let aTokenId: number;
  let pendingEmail: string;
  let byEmail: number;
  let byId: number;
  let bTokens: { label: string; token: string }[];

  beforeAll(async () => {
    [a, aMember, aInvitee, b] = await Promise.all([
      createActor(env, 'matrix-a'),
      createActor(env, 'matrix-a2'),
      createActor(env, 'matrix-a3'),
      createActor(env, 'matrix-b'),
    ]);
    slugA = `org-a-${Date.now().toString(36)}`;
    orgA = (await client(gatewayUrl, a.token).post('/organizations', { name: 'Org A', slug: slugA })).body.data.id;
    await joinOrganization(gatewayUrl, a, orgA, aMember, 'writer');
    pendingEmail = `matrix-pending-${Date.now()}@example.test`;
    byEmail = (await client(gatewayUrl, a.token).post(`/organizations/${orgA}/members`, { email: pendingEmail, role: 'viewer' })).body.data.id;
    byId = (await client(gatewayUrl, a.token).post(`/organizations/${orgA}/members`, { userId: aInvitee.userId, role: 'viewer' })).body.data.id;
    aTokenId = (await client(gatewayUrl, a.token).post('/access-tokens', { name: 'a secret' })).body.data.id;
    const orgB = (await client(gatewayUrl, b.token).post('/organizations', { name: 'Org B' })).body.data.id;
    const restricted = await client(gatewayUrl, b.token).post('/access-tokens', { name: 'b restricted', organizationId: orgB });
    const unrestricted = await client(gatewayUrl, b.token).post('/access-tokens', { name: 'b any', organizationId: null });
    bTokens = [
      { label: 'cli token', token: b.token },
      { label: 'restricted to B', token: restricted.body.data.token },
      { label: 'unrestricted', token: unrestricted.body.data.token },
      // Invited into A but not a member yet: a stranger to A like B.
      { label: 'pending invitee of A', token: aInvitee.token },
    ];
  });

  const writes = (): [string, string, unknown?][] => [
    ['PATCH', `/organizations/${orgA}`, { name: 'Taken over' }],
    ['DELETE', `/organizations/${orgA}`],
    ['POST', `/organizations/${orgA}/members`, { userId: 1, role: 'owner' }],
    ['POST', `/organizations/${orgA}/members`, { email: 'intruder@example.test', role: 'viewer' }],
    ['PATCH', `/organizations/${orgA}/members/${aMember.userId}`, { role: 'viewer' }],
    ['DELETE', `/organizations/${orgA}/members/${aMember.userId}`],
    ['DELETE', `/organizations/${orgA}/invitations/${byEmail}`],
    ['POST', `/organizations/${orgA}/users`, { userType: 'service', firstName: 'Intruder' }],
    ['POST', `/organizations/${orgA}/users`, { userType: 'human', email: 'planted@example.test' }],
    ['DELETE', `/access-tokens/${aTokenId}`],
    ['POST', '/access-tokens', { name: 'into A', organizationId: orgA }],
  ];
  /** Routes that act on an invitation as its addressee: only that addressee may. */
  const inviteeActions = (): [string, string][] => [
    ['POST', `/users/me/invitations/${byEmail}/accept`],
    ['POST', `/users/me/invitations/${byEmail}/decline`],
  ];
  const reads = (): [string, string][] => [
    ['GET', `/organizations/${orgA}`],
    ['GET', `/organizations/slug/${slugA}`],
    ['GET', `/organizations/${orgA}/members`],
    ['GET', `/organizations/${orgA}/members/${aMember.userId}`],
    ['GET', `/organizations/${orgA}/invitations`],
    ['GET', `/organizations/${orgA}/users`],
    ['GET', `/access-tokens/${aTokenId}`],
  ];
  const routes = (): [string, string, unknown?][] => [
    ...reads(),
    ['POST', `/organizations/${orgA}/switch`],
    ...writes(),
    ...inviteeActions(),
    ['POST', `/users/me/invitations/${byId}/accept`],
    ['POST', `/users/me/invitations/${byId}/decline`],
  ];
  /** What A holds that no stranger may read. */
  const secrets = () => [a.email, aMember.email, pendingEmail, slugA, 'Org A'];

  it('answers 404 or 403, never 2xx, for every route and token of B, and leaks nothing of A', async () => {
    const results: string[] = [];
    const leaks: string[] = [];
    for (const { label, token } of bTokens) {
      for (const [method, path, body] of routes()) {
        // The invitee may act on the invitation addressed to them; that is tested elsewhere.
        if (label === 'pending invitee of A' && path.includes(`/invitations/${byId}/`)) continue;
        const res = await request(gatewayUrl, path, { method, token, body });
        results.push(`${label} ${method} ${path} → ${res.status}`);
        expect({ label, method, path, status: [403, 404].includes(res.status) }).toEqual({ label, method, path, status: true });
        expect(res.body).toMatchObject({ success: false });
        for (const secret of secrets()) if (res.text.includes(secret)) leaks.push(`${label} ${method} ${path}: ${secret}`);
      }
      const ctx = await client(gatewayUrl, token).get('/users/me', { headers: { 'x-organization-id': String(orgA) } });
      expect(ctx.status).toBe(403);
      const mine = await client(gatewayUrl, token).get('/users/me/invitations');
      expect(mine.status).toBe(200);
      const visible = mine.body.data.map((i: { id: number }) => i.id);
      expect(visible).not.toContain(byEmail);
      for (const secret of [a.email, aMember.email, pendingEmail]) if (mine.text.includes(secret)) leaks.push(`${label} my invitations: ${secret}`);
    }
    expect(results.filter((r) => / → 2\d\d$/.test(r))).toEqual([]);
    expect(leaks).toEqual([]);
  });

  it('answers 401 to anonymous callers on every identity route', async () => {
    for (const [method, path, body] of [...routes(), ['GET', '/users/me/invitations'] as [string, string]]) {
      const res = await request(gatewayUrl, path, { method, body });
      expect({ method, path, status: res.status }).toEqual({ method, path, status: 401 });
      expect(res.body).toMatchObject({ success: false, error: { status: 401 } });
    }
  });

  it('a read-only token of A’s owner reads A but every write is 403; so is accepting with the invitee’s read token', async () => {
    const read = (await client(gatewayUrl, a.token).post('/access-tokens', { name: 'a read', abilities: ['read'], organizationId: orgA })).body.data.token;
    for (const [method, path] of reads()) {
      expect({ method, path, status: (await request(gatewayUrl, path, { method, token: read })).status }).toEqual({ method, path, status: 200 });
    }
    for (const [method, path, body] of writes()) {
      const res = await request(gatewayUrl, path, { method, token: read, body });
      expect({ method, path, status: res.status }).toEqual({ method, path, status: 403 });
    }
    const inviteeRead = (await client(gatewayUrl, aInvitee.token).post('/access-tokens', { name: 'invitee read', abilities: ['read'], organizationId: null })).body.data
      .token;
    const invitations = await client(gatewayUrl, inviteeRead).get('/users/me/invitations');
    expect(invitations.body.data.map((i: { id: number }) => i.id)).toContain(byId);
    for (const action of ['accept', 'decline']) {
      expect((await client(gatewayUrl, inviteeRead).post(`/users/me/invitations/${byId}/${action}`)).status).toBe(403);
    }
  });

  it('leaves A untouched', async () => {
    const org = await client(gatewayUrl, a.token).get(`/organizations/${orgA}`);
    expect(org.body.data.name).toBe('Org A');
    const members = await client(gatewayUrl, a.token).get(`/organizations/${orgA}/members`);
    expect(members.body.data.map((m: { userId: number; role: string }) => [m.userId, m.role]).sort()).toEqual(
      [[a.userId, 'owner'], [aMember.userId, 'writer']].sort(),
    );
    const invitations = await client(gatewayUrl, a.token).get(`/organizations/${orgA}/invitations?status=invited`);
    expect(invitations.body.data.map((i: { id: number }) => i.id).sort()).toEqual([byEmail, byId].sort());
    expect((await client(gatewayUrl, a.token).get(`/access-tokens/${aTokenId}`)).status).toBe(200);
  });
});
