import { createActor, generateAccessTokenForTests, joinOrganization, query, rawHttp, request } from '@alien/testing';
import { sharedPlatform } from '../support/env';

const { gatewayUrl, databaseUrl, env, api } = sharedPlatform();

const expect401 = (res: { status: number; headers: Headers; body: any }) => {
  expect(res.status).toBe(401);
  expect(res.body).toMatchObject({ success: false, error: { status: 401 } });
  expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
};

async function poll<T>(fn: () => Promise<T>, done: (v: T) => boolean, timeoutMs = 5_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await fn();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('credentials on every route', () => {
  it.each([
    ['Basic dXNlcjpwYXNz', 'another scheme'],
    ['Bearer', 'Bearer with no token'],
    ['Bearer    ', 'Bearer with blanks'],
    ['Bearer !!!', 'garbage'],
    ['Bearer a b', 'two tokens'],
    ['oat_abc', 'token without scheme'],
  ])('Authorization "%s" (%s) → 401 with WWW-Authenticate, even on a public route', async (authorization) => {
    expect401(await request(gatewayUrl, '/tags', { headers: { authorization } }));
    expect401(await request(gatewayUrl, '/users/me', { headers: { authorization } }));
  });

  it('an oat_ token with a bad checksum is 401 (recognised offline)', async () => {
    const actor = await createActor(env, 'checksum');
    const last = actor.token.slice(-1);
    const tampered = actor.token.slice(0, -1) + (last === 'A' ? 'B' : 'A');
    expect401(await request(gatewayUrl, '/tags', { token: tampered }));
    expect401(await request(gatewayUrl, '/tags', { token: generateAccessTokenForTests() }));
    expect((await request(gatewayUrl, '/tags', { token: actor.token })).status).toBe(200);
  });

  it('x-oauth-access-token that is not a JWT is 401', async () => {
    expect401(await request(gatewayUrl, '/tags', { headers: { 'x-oauth-access-token': 'not-a-jwt' } }));
  });

  it('client-sent identity headers are ignored: they never make anyone somebody', async () => {
    const admin = await createActor(env, 'spoofed', { platformAdmin: true });
    const spoof = { 'x-user-id': String(admin.userId), 'x-user-role': 'owner', 'x-auth-method': 'token', 'x-token-id': '1' };
    expect401(await request(gatewayUrl, '/users/me', { headers: spoof }));
    expect401(await request(gatewayUrl, '/tags', { method: 'POST', headers: spoof, body: { name: 'spoofed' } }));
    const user = await createActor(env, 'spoofer');
    const me = await request(gatewayUrl, '/users/me', { token: user.token, headers: spoof });
    expect(me.body.data.id).toBe(user.userId);
    expect((await request(gatewayUrl, '/tags', { method: 'POST', token: user.token, headers: spoof, body: { name: 'spoofed' } })).status).toBe(403);
  });

  it('a valid token with an invalid x-oauth-access-token is 401; a credential header sent twice is 400', async () => {
    const actor = await createActor(env, 'doubled');
    expect401(await request(gatewayUrl, '/tags', { token: actor.token, headers: { 'x-oauth-access-token': 'a.b.c' } }));
    const other = await createActor(env, 'doubled-other');
    for (const [first, second] of [
      [actor.token, other.token],
      [actor.token, actor.token],
    ]) {
      const res = await rawHttp(
        gatewayUrl,
        `GET /users/me HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${first}\r\nAuthorization: Bearer ${second}\r\nConnection: close\r\n\r\n`,
      );
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ success: false, error: { status: 400, code: 'duplicate_credentials' } });
    }
  });

  it('no credentials: public routes answer, private ones are 401', async () => {
    expect((await api.get('/tags')).status).toBe(200);
    expect401(await api.get('/users/me'));
    expect401(await api.get('/access-tokens'));
    expect401(await api.post('/organizations', { name: 'x' }));
  });
});

describe('access tokens', () => {
  it('creates a token whose secret is shown once and stored only as a hash', async () => {
    const actor = await createActor(env, 'secret');
    const created = await request(gatewayUrl, '/access-tokens', { method: 'POST', token: actor.token, body: { name: 'laptop' } });
    expect(created.status).toBe(201);
    const token: string = created.body.data.token;
    expect(token).toMatch(/^oat_[0-9A-Za-z]{49}$/);
    expect(created.body.data).toMatchObject({ name: 'laptop', lastFour: token.slice(-4), abilities: ['read', 'write'], expiresAt: null });

    const one = await request(gatewayUrl, `/access-tokens/${created.body.data.id}`, { token: actor.token });
    expect(one.status).toBe(200);
    expect(one.body.data.token).toBeUndefined();
    expect(one.text).not.toContain(token);
    const list = await request(gatewayUrl, '/access-tokens', { token: actor.token });
    expect(list.body.data.map((t: { id: number }) => t.id)).toContain(created.body.data.id);
    expect(list.text).not.toContain(token);

    const rows = await query(databaseUrl, 'SELECT * FROM auth.access_tokens WHERE id = $1', [created.body.data.id]);
    expect(JSON.stringify(rows)).not.toContain(token.slice(4, 40));
    expect(rows[0]?.['token_hash']).toMatch(/^[0-9a-f]{64}$/);

    const me = await request(gatewayUrl, '/users/me', { token });
    expect(me.status).toBe(200);
    expect(me.body.data.id).toBe(actor.userId);
  });

  it('updates lastUsedAt after use, off the request path', async () => {
    const actor = await createActor(env, 'lastused');
    expect((await request(gatewayUrl, '/tags', { token: actor.token })).status).toBe(200);
    const seen = await poll(
      () => request(gatewayUrl, `/access-tokens/${actor.tokenId}`, { token: actor.token }),
      (r) => r.body?.data?.lastUsedAt !== null,
    );
    expect(Date.parse(seen.body.data.lastUsedAt)).toBeGreaterThan(Date.now() - 60_000);
  });

  it('revokes: the token stops working and is 404 afterwards; others cannot revoke it', async () => {
    const owner = await createActor(env, 'revoker');
    const stranger = await createActor(env, 'stranger');
    const created = await request(gatewayUrl, '/access-tokens', { method: 'POST', token: owner.token, body: { name: 'to revoke' } });
    const { id, token } = created.body.data;
    expect((await request(gatewayUrl, '/users/me', { token })).status).toBe(200);
    expect((await request(gatewayUrl, `/access-tokens/${id}`, { method: 'DELETE', token: stranger.token })).status).toBe(404);
    expect((await request(gatewayUrl, `/access-tokens/${id}`, { token: stranger.token })).status).toBe(404);
    const revoked = await request(gatewayUrl, `/access-tokens/${id}`, { method: 'DELETE', token: owner.token });
    expect(revoked.status).toBe(200);
    expect(revoked.body.data).toEqual({ id, revoked: true });
    expect401(await poll(() => request(gatewayUrl, '/users/me', { token }), (r) => r.status === 401));
    expect((await request(gatewayUrl, `/access-tokens/${id}`, { token: owner.token })).status).toBe(404);
    expect((await request(gatewayUrl, `/access-tokens/${id}`, { method: 'DELETE', token: owner.token })).status).toBe(404);
    expect((await request(gatewayUrl, '/access-tokens/999999', { method: 'DELETE', token: owner.token })).status).toBe(404);
  });

  it('an expired token is 401', async () => {
    const actor = await createActor(env, 'expiring', { expiresIn: 1 });
    await new Promise((r) => setTimeout(r, 1_200));
    expect401(await request(gatewayUrl, '/users/me', { token: actor.token }));
  });

  it("a deleted user's token is 401", async () => {
    const actor = await createActor(env, 'deleted');
    await query(databaseUrl, 'DELETE FROM auth.users WHERE id = $1', [actor.userId]);
    expect401(await request(gatewayUrl, '/users/me', { token: actor.token }));
  });

  it('a read-only token reads but gets 403 on every write', async () => {
    const actor = await createActor(env, 'reader', { abilities: 'read' });
    expect((await request(gatewayUrl, '/users/me', { token: actor.token })).status).toBe(200);
    for (const [method, path, body] of [
      ['POST', '/organizations', { name: 'Nope' }],
      ['PATCH', '/users/me', { firstName: 'X' }],
      ['POST', '/access-tokens', { name: 'escalate' }],
      ['DELETE', `/access-tokens/${actor.tokenId}`, undefined],
    ] as const) {
      const res = await request(gatewayUrl, path, { method, token: actor.token, body });
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('read_only_token');
    }
  });

  it('a read-only token cannot mint a write token through the API either', async () => {
    const actor = await createActor(env, 'writer-only');
    const read = await request(gatewayUrl, '/access-tokens', {
      method: 'POST',
      token: actor.token,
      body: { name: 'read', abilities: ['read'], organizationId: null },
    });
    expect(read.status).toBe(201);
    expect(read.body.data.abilities).toEqual(['read']);
  });

  let validator: Awaited<ReturnType<typeof createActor>>;
  beforeAll(async () => {
    validator = await createActor(env, 'validation');
  });

  it.each([
    [{ name: '' }, 'name'],
    [{ name: 'x'.repeat(10_000) }, 'name'],
    [{ name: '   ' }, 'name'],
    [{}, 'name'],
    [{ name: 'past', expiresAt: '2020-01-01T00:00:00Z' }, 'expiresAt'],
    [{ name: 'junk date', expiresAt: 'tomorrow' }, 'expiresAt'],
    [{ name: 'both', expiresAt: '2099-01-01T00:00:00Z', expiresIn: 3600 }, 'expiresIn'],
    [{ name: 'short', expiresIn: 5 }, 'expiresIn'],
    [{ name: 'abilities', abilities: ['admin'] }, 'abilities'],
    [{ name: 'no abilities', abilities: [] }, 'abilities'],
    [{ name: 'org', organizationId: 'abc' }, 'organizationId'],
    [{ name: 'extra', isPlatformAdmin: true }, 'isPlatformAdmin'],
  ])('POST /access-tokens with a bad body → 422 on the field (#%#)', async (body, field) => {
    const res = await request(gatewayUrl, '/access-tokens', { method: 'POST', token: validator.token, body });
    expect(res.status).toBe(422);
    expect(res.body.error.messages.map((m: { field: string }) => m.field)).toContain(field);
  });

  it('expiresIn sets expiresAt; a token restricted to an organization you are not in is 404', async () => {
    const actor = await createActor(env, 'expiry');
    const res = await request(gatewayUrl, '/access-tokens', {
      method: 'POST',
      token: actor.token,
      body: { name: 'one hour', expiresIn: 3600, organizationId: null },
    });
    expect(res.status).toBe(201);
    const delta = Date.parse(res.body.data.expiresAt) - Date.now();
    expect(delta).toBeGreaterThan(3_500_000);
    expect(delta).toBeLessThanOrEqual(3_600_000);
    const foreign = await request(gatewayUrl, '/access-tokens', {
      method: 'POST',
      token: actor.token,
      body: { name: 'foreign', organizationId: 999999 },
    });
    expect(foreign.status).toBe(404);
  });

  it('a token restricted to one organization sees and manages only tokens restricted to it', async () => {
    const actor = await createActor(env, 'restricted');
    const a = (await request(gatewayUrl, '/organizations', { method: 'POST', token: actor.token, body: { name: 'Restricted A' } })).body.data.id;
    const b = (await request(gatewayUrl, '/organizations', { method: 'POST', token: actor.token, body: { name: 'Restricted B' } })).body.data.id;
    const mint = async (organizationId: number | null) =>
      (await request(gatewayUrl, '/access-tokens', { method: 'POST', token: actor.token, body: { name: `t-${organizationId}`, organizationId } })).body.data;
    const inA = await mint(a);
    const inB = await mint(b);
    const free = await mint(null);
    const listed = await request(gatewayUrl, '/access-tokens?perPage=100', { token: inA.token });
    expect(listed.body.data.map((t: any) => t.id).sort()).toEqual([inA.id]);
    expect((await request(gatewayUrl, `/access-tokens/${inB.id}`, { token: inA.token })).status).toBe(404);
    expect((await request(gatewayUrl, `/access-tokens/${free.id}`, { token: inA.token })).status).toBe(404);
    expect((await request(gatewayUrl, `/access-tokens/${free.id}`, { method: 'DELETE', token: inA.token })).status).toBe(404);
    expect((await request(gatewayUrl, `/access-tokens/${inB.id}`, { method: 'DELETE', token: inA.token })).status).toBe(404);
    expect((await request(gatewayUrl, '/users/me', { token: free.token })).status).toBe(200);
    expect((await request(gatewayUrl, '/users/me', { token: inB.token })).status).toBe(200);
    // The unrestricted token still sees all three.
    expect((await request(gatewayUrl, '/access-tokens?perPage=100', { token: free.token })).body.meta.total).toBeGreaterThanOrEqual(3);
  });

  it('a token restricted to an organization its user has left authenticates as nothing (401)', async () => {
    const owner = await createActor(env, 'left-owner');
    const leaver = await createActor(env, 'leaver');
    const org = (await request(gatewayUrl, '/organizations', { method: 'POST', token: owner.token, body: { name: 'Left behind' } })).body.data.id;
    await joinOrganization(gatewayUrl, owner, org, leaver, 'writer');
    const restricted = (await request(gatewayUrl, '/access-tokens', { method: 'POST', token: leaver.token, headers: { 'x-organization-id': String(org) }, body: { name: 'org only' } })).body.data;
    expect(restricted.organizationId).toBe(org);
    expect((await request(gatewayUrl, '/users/me', { token: restricted.token })).status).toBe(200);
    expect((await request(gatewayUrl, `/organizations/${org}/members/${leaver.userId}`, { method: 'DELETE', token: owner.token })).status).toBe(200);
    const after = await poll(() => request(gatewayUrl, '/users/me', { token: restricted.token }), (r) => r.status === 401);
    expect401(after);
    expect((await request(gatewayUrl, '/users/me', { token: leaver.token })).status).toBe(200);
  });

  it('enforces the per-user quota of 50 active tokens with 409', async () => {
    const actor = await createActor(env, 'quota');
    // The CLI token counts: 49 more fit.
    for (let i = 0; i < 49; i++) {
      const r = await request(gatewayUrl, '/access-tokens', { method: 'POST', token: actor.token, body: { name: `t${i}` } });
      expect(r.status).toBe(201);
    }
    const over = await request(gatewayUrl, '/access-tokens', { method: 'POST', token: actor.token, body: { name: 'one too many' } });
    expect(over.status).toBe(409);
    expect(over.body.error.code).toBe('token_quota_exceeded');
    const list = await request(gatewayUrl, '/access-tokens?perPage=100', { token: actor.token });
    expect(list.body.meta.total).toBe(50);
  });
});

describe('users', () => {
  it('GET /users/me has currentOrganizationId and roles; PATCH changes names', async () => {
    const actor = await createActor(env, 'me');
    const org = await request(gatewayUrl, '/organizations', { method: 'POST', token: actor.token, body: { name: 'Me Org' } });
    expect(org.status).toBe(201);
    const me = await request(gatewayUrl, '/users/me', { token: actor.token });
    expect(me.body.data).toMatchObject({
      id: actor.userId,
      email: actor.email,
      currentOrganizationId: org.body.data.id,
      roles: [{ slug: 'owner', organizationId: org.body.data.id }],
      isPlatformAdmin: false,
    });
    const patched = await request(gatewayUrl, '/users/me', { method: 'PATCH', token: actor.token, body: { firstName: 'Ada', lastName: 'Lovelace' } });
    expect(patched.body.data).toMatchObject({ firstName: 'Ada', lastName: 'Lovelace' });
    const bad = await request(gatewayUrl, '/users/me', { method: 'PATCH', token: actor.token, body: { email: 'x@y.z' } });
    expect(bad.status).toBe(422);
  });

  it('a deactivated user is locked out at once; reactivation restores access; only platform admins do it', async () => {
    const admin = await createActor(env, 'padmin', { platformAdmin: true });
    const user = await createActor(env, 'deactivated');
    expect((await request(gatewayUrl, '/users/me', { token: user.token })).status).toBe(200);
    expect((await request(gatewayUrl, `/users/${admin.userId}/deactivate`, { method: 'POST', token: user.token })).status).toBe(403);
    const off = await request(gatewayUrl, `/users/${user.userId}/deactivate`, { method: 'POST', token: admin.token });
    expect(off.status).toBe(200);
    expect(off.body.data.status).toBe('deactivated');
    expect401(await poll(() => request(gatewayUrl, '/users/me', { token: user.token }), (r) => r.status === 401));
    expect((await request(gatewayUrl, `/users/${admin.userId}/deactivate`, { method: 'POST', token: admin.token })).status).toBe(409);
    await request(gatewayUrl, `/users/${user.userId}/reactivate`, { method: 'POST', token: admin.token });
    expect((await poll(() => request(gatewayUrl, '/users/me', { token: user.token }), (r) => r.status === 200)).status).toBe(200);
  });
});
