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

  it('links an invited email to the subject at first sign-in', async () => {
    const owner = await provider.token({ sub: `inviter-${Date.now()}`, email: `inviter-${Date.now()}@example.test` });
    const org = (await client(gateway.url, owner).post('/organizations', { name: `Invites ${Date.now()}` })).body.data.id;
    const email = `invited-${Date.now()}@example.test`;
    expect((await client(gateway.url, owner).post(`/organizations/${org}/members`, { email, role: 'writer' })).status).toBe(201);
    const invitee = await provider.token({ sub: `invitee-${Date.now()}`, email, emailVerified: true });
    const me = await client(gateway.url, invitee).get('/users/me');
    expect(me.body.data.roles).toEqual([{ slug: 'writer', organizationId: org }]);
    expect(me.body.data.currentOrganizationId).toBe(org);
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

