import { JwksServer, OidcProviderHandle, client, createActor, request, startJwksServer, startOidcProvider } from '@alien/testing';
import { sharedPlatform, startExtraGateway } from '../support/env';

const expect401 = (res: { status: number; headers: Headers; body: any }) => {
  expect(res.status).toBe(401);
  expect(res.body).toMatchObject({ success: false, error: { status: 401 } });
  expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
};

describe('OIDC JWTs from a real provider (oidc-provider, authorization code flow)', () => {
  let provider: OidcProviderHandle;
  let gateway: Awaited<ReturnType<typeof startExtraGateway>>;

  beforeAll(async () => {
    // oidc-provider takes RFC 8707 resource indicators, which are absolute URIs.
    provider = await startOidcProvider({ audience: 'https://api.alien.test' });
    gateway = await startExtraGateway({ OIDC_ISSUER: provider.issuer, OIDC_AUDIENCE: 'https://api.alien.test' }, 'gateway-oidc');
  });
  afterAll(async () => {
    await gateway?.stop();
    await provider?.stop();
  });

  it('provisions the user from the claims at first sight, and knows them after', async () => {
    const sub = `user-${Date.now()}`;
    const email = `${sub}@example.test`;
    const jwt = await provider.token({ sub, email, givenName: 'Grace', familyName: 'Hopper' });
    const first = await request(gateway.url, '/users/me', { token: jwt });
    expect(first.status).toBe(200);
    expect(first.body.data).toMatchObject({ email, firstName: 'Grace', lastName: 'Hopper', roles: [], currentOrganizationId: null });
    const again = await request(gateway.url, '/users/me', { headers: { 'x-oauth-access-token': jwt } });
    expect(again.body.data.id).toBe(first.body.data.id);
    const fresh = await provider.token({ sub, email, givenName: 'Grace', familyName: 'Hopper' });
    expect((await request(gateway.url, '/users/me', { token: fresh })).body.data.id).toBe(first.body.data.id);
  });

  it('a JWT user creates an organization and an oat_ token that works on its own', async () => {
    const jwt = await provider.token({ sub: `maker-${Date.now()}`, email: `maker-${Date.now()}@example.test` });
    const org = await client(gateway.url, jwt).post('/organizations', { name: `JWT org ${Date.now()}` });
    expect(org.status).toBe(201);
    const token = await client(gateway.url, jwt).post('/access-tokens', { name: 'from jwt' });
    expect(token.status).toBe(201);
    expect(token.body.data.organizationId).toBe(org.body.data.id);
    expect((await client(gateway.url, token.body.data.token).get(`/organizations/${org.body.data.id}`)).status).toBe(200);
  });

  it('an invited email signs in, sees the invitation, accepts it and is a member', async () => {
    const owner = await provider.token({ sub: `inviter-${Date.now()}`, email: `inviter-${Date.now()}@example.test` });
    const org = (await client(gateway.url, owner).post('/organizations', { name: `Invites ${Date.now()}` })).body.data.id;
    const email = `invited-${Date.now()}@example.test`;
    const invited = await client(gateway.url, owner).post(`/organizations/${org}/members`, { email: email.toUpperCase(), role: 'writer' });
    expect(invited.status).toBe(201);
    const invitee = await provider.token({ sub: `invitee-${Date.now()}`, email, emailVerified: true });
    const before = await client(gateway.url, invitee).get('/users/me');
    expect(before.body.data).toMatchObject({ email, roles: [], currentOrganizationId: null });
    const mine = await client(gateway.url, invitee).get('/users/me/invitations');
    expect(mine.body.data).toEqual([expect.objectContaining({ id: invited.body.data.id, organizationId: org, role: 'writer', status: 'invited' })]);
    expect((await client(gateway.url, invitee).get(`/organizations/${org}`)).status).toBe(404);
    const accepted = await client(gateway.url, invitee).post(`/users/me/invitations/${invited.body.data.id}/accept`);
    expect(accepted.status).toBe(200);
    const me = await client(gateway.url, invitee).get('/users/me');
    expect(me.body.data.roles).toEqual([{ slug: 'writer', organizationId: org }]);
    expect(me.body.data.currentOrganizationId).toBe(org);
    expect((await client(gateway.url, invitee).get(`/organizations/${org}`)).body.data.role).toBe('writer');
  });

  it('an email the provider says is unverified receives no invitations to it', async () => {
    const owner = await provider.token({ sub: `inviter2-${Date.now()}`, email: `inviter2-${Date.now()}@example.test` });
    const org = (await client(gateway.url, owner).post('/organizations', { name: `Unverified ${Date.now()}` })).body.data.id;
    const email = `unverified-${Date.now()}@example.test`;
    const id = (await client(gateway.url, owner).post(`/organizations/${org}/members`, { email, role: 'viewer' })).body.data.id;
    const sub = `unverified-${Date.now()}`;
    const claimant = await provider.token({ sub, email, emailVerified: false });
    expect((await client(gateway.url, claimant).get('/users/me')).body.data.email).toBe(email);
    expect((await client(gateway.url, claimant).get('/users/me/invitations')).body.data).toEqual([]);
    expect((await client(gateway.url, claimant).post(`/users/me/invitations/${id}/accept`)).status).toBe(404);
    // Once the provider vouches for the email, the same user sees it. (The gateway keeps a subject's
    // principal for AUTH_CACHE_TTL_MS; an auth event about the user — here, creating an organization —
    // makes the next request resolve the fresh claims.)
    expect((await client(gateway.url, claimant).post('/organizations', { name: `Claimant ${Date.now()}` })).status).toBe(201);
    const vouched = await provider.token({ sub, email, emailVerified: true });
    const seen = await client(gateway.url, vouched).get('/users/me/invitations');
    expect(seen.body.data.map((i: { id: number }) => i.id)).toEqual([id]);
  });

  it('a managed human account is linked at first sign-in with its verified email; a service account never is', async () => {
    const owner = await provider.token({ sub: `manager-${Date.now()}`, email: `manager-${Date.now()}@example.test` });
    const org = (await client(gateway.url, owner).post('/organizations', { name: `Managed ${Date.now()}` })).body.data.id;
    const humanEmail = `managed-${Date.now()}@example.test`;
    const serviceEmail = `robot-${Date.now()}@example.test`;
    const human = await client(gateway.url, owner).post(`/organizations/${org}/users`, { userType: 'human', email: humanEmail, firstName: 'Kim' });
    const service = await client(gateway.url, owner).post(`/organizations/${org}/users`, { userType: 'service', email: serviceEmail });
    expect([human.status, service.status]).toEqual([201, 201]);
    const person = await provider.token({ sub: `managed-${Date.now()}`, email: humanEmail, emailVerified: true, givenName: 'Other' });
    const me = (await client(gateway.url, person).get('/users/me')).body.data;
    expect(me).toMatchObject({ id: human.body.data.userId, firstName: 'Kim', userType: 'human', roles: [{ slug: 'client', organizationId: org }] });
    const impostor = await provider.token({ sub: `robot-${Date.now()}`, email: serviceEmail, emailVerified: true });
    const other = (await client(gateway.url, impostor).get('/users/me')).body.data;
    expect(other.id).not.toBe(service.body.data.userId);
    expect(other).toMatchObject({ email: null, roles: [] });
  });

  it('two credentials on one request: both are checked; different users → 400, a bad one → 401', async () => {
    const sub = `both-${Date.now()}`;
    const jwt = await provider.token({ sub, email: `${sub}@example.test` });
    const jwtUser = (await request(gateway.url, '/users/me', { token: jwt })).body.data.id;
    const own = await client(gateway.url, jwt).post('/access-tokens', { name: 'same user', organizationId: null });
    expect(own.status).toBe(201);
    // The same user twice is fine; the Authorization credential decides abilities.
    const same = await request(gateway.url, '/users/me', { token: own.body.data.token, headers: { 'x-oauth-access-token': jwt } });
    expect(same.status).toBe(200);
    expect(same.body.data.id).toBe(jwtUser);
    // Someone else's token next to this JWT names two users: 400, whoever they are.
    const other = await createActor(sharedPlatform().env, 'two-users');
    const mixed = await request(gateway.url, '/users/me', { token: other.token, headers: { 'x-oauth-access-token': jwt } });
    expect(mixed.status).toBe(400);
    expect(mixed.body).toMatchObject({ success: false, error: { status: 400, code: 'conflicting_credentials' } });
    // A valid token with a forged JWT next to it is 401, not a silent success.
    const [h, p] = jwt.split('.');
    expect401(await request(gateway.url, '/users/me', { token: other.token, headers: { 'x-oauth-access-token': `${h}.${p}.AAAA` } }));
  });

  it('a JWT for another audience is 401', async () => {
    const other = await startOidcProvider({ audience: 'https://someone-else.test' });
    try {
      expect401(await request(gateway.url, '/users/me', { token: await other.token({ sub: 'x' }) }));
    } finally {
      await other.stop();
    }
  });
});

describe('JWT verification through the gateway (JWKS server with key rotation)', () => {
  let idp: JwksServer;
  let gateway: Awaited<ReturnType<typeof startExtraGateway>>;
  const now = () => Math.floor(Date.now() / 1000);

  beforeAll(async () => {
    idp = await startJwksServer({ audience: 'alien-platform' });
    gateway = await startExtraGateway({ OIDC_ISSUER: idp.issuer, OIDC_AUDIENCE: 'alien-platform' }, 'gateway-jwks');
  });
  afterAll(async () => {
    await gateway?.stop();
    await idp?.stop();
  });

  it('accepts a valid token on public and private routes', async () => {
    const jwt = idp.token({ sub: `valid-${Date.now()}`, email: `valid-${Date.now()}@example.test` });
    expect((await request(gateway.url, '/users/me', { token: jwt })).status).toBe(200);
    expect((await request(gateway.url, '/tags', { token: jwt })).status).toBe(200);
  });

  it.each([
    ['wrong issuer', () => idp.token({ iss: 'https://evil.example/' })],
    ['wrong audience', () => idp.token({ aud: 'other-app' })],
    ['expired', () => idp.token({ exp: now() - 3600, iat: now() - 7200 })],
    ['not yet valid', () => idp.token({ nbf: now() + 3600 })],
    ['bad signature', () => {
      const [h, p, s] = idp.token({ sub: 'sig' }).split('.');
      const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p as string, 'base64url').toString()), sub: 'admin' })).toString('base64url');
      return `${h}.${forged}.${s}`;
    }],
    ['alg none', () => idp.token({ sub: 'none' }, { alg: 'none' })],
    ['HS256 signed with the public key', () => idp.token({ sub: 'hs' }, { alg: 'HS256' })],
    ['unknown kid', () => idp.token({ sub: 'kid' }, { kid: 'no-such-kid' })],
  ])('%s → 401, also on a public route', async (_label, make) => {
    const jwt = make();
    expect401(await request(gateway.url, '/tags', { token: jwt }));
    expect401(await request(gateway.url, '/users/me', { headers: { 'x-oauth-access-token': jwt } }));
  });

  it('follows key rotation: a token with the new kid is accepted after one JWKS refresh', async () => {
    const sub = `rotating-${Date.now()}`;
    expect((await request(gateway.url, '/users/me', { token: idp.token({ sub }) })).status).toBe(200);
    const before = idp.requests('jwks');
    idp.rotate();
    expect((await request(gateway.url, '/users/me', { token: idp.token({ sub }) })).status).toBe(200);
    expect(idp.requests('jwks')).toBe(before + 1);
    // Keys already verified stay trusted for the JWKS cache lifetime (10 min), as with any JWKS client:
    // tokens signed before a routine rotation keep working until they expire.
  });

  it('a gateway without an OIDC issuer refuses JWTs with 401', async () => {
    const { api } = sharedPlatform();
    expect401(await request(api.baseUrl, '/users/me', { token: idp.token({ sub: 'nobody' }) }));
  });
});

