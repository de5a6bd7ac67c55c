import { ConfigError } from '@alien/config';
import { ApiError } from '@alien/envelope';
import { JwksServer, OidcProviderHandle, freePort, startJwksServer, startOidcProvider } from '@alien/testing';
import { Logger, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { IDENTITY_CONFIG, readIdentityConfig } from '../identity-config';
import { JwtVerifier, jwtFromHeaders, looksLikeJwt } from './jwt-verifier';

const now = () => Math.floor(Date.now() / 1000);

function verifierFor(env: Record<string, string>): JwtVerifier {
  return new JwtVerifier(readIdentityConfig(env));
}

/** The ApiError verify() rejected with (fails the test when it resolved). */
async function rejection(promise: Promise<unknown>): Promise<ApiError> {
  try {
    await promise;
  } catch (e) {
    expect(e).toBeInstanceOf(ApiError);
    return e as ApiError;
  }
  throw new Error('expected verify() to reject');
}

async function expectInvalid(promise: Promise<unknown>, message: RegExp) {
  const error = await rejection(promise);
  expect({ status: error.status, code: error.code }).toEqual({ status: 401, code: 'invalid_token' });
  expect(error.message).toMatch(message);
}

async function expectUnavailable(promise: Promise<unknown>) {
  const error = await rejection(promise);
  expect({ status: error.status, code: error.code }).toEqual({ status: 503, code: 'oidc_unavailable' });
}

describe(JwtVerifier.name, () => {
  beforeAll(() => Logger.overrideLogger(false));

  describe('with a real OIDC provider (oidc-provider, authorization-code flow)', () => {
    let provider: OidcProviderHandle;
    beforeAll(async () => {
      provider = await startOidcProvider({ audience: 'https://api.alien.test' });
    }, 30_000);
    afterAll(() => provider?.stop());

    it('accepts its access token and reads the user from it', async () => {
      const sut = verifierFor({ OIDC_ISSUER: provider.issuer, OIDC_AUDIENCE: provider.audience });
      const token = await provider.token({ sub: 'ak-user-7', email: 'grace@example.com', givenName: 'Grace', familyName: 'Hopper' });
      expect(JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString())).toMatchObject({
        alg: 'RS256',
        kid: provider.kid,
      });

      const verified = await sut.verify(token);

      expect(verified).toEqual({
        issuer: provider.issuer,
        subject: 'ak-user-7',
        expiresAt: expect.any(Number),
        claims: { email: 'grace@example.com', emailVerified: true, givenName: 'Grace', familyName: 'Hopper', name: 'Grace Hopper' },
      });
      expect(verified.expiresAt).toBeGreaterThan(now());
    });

    it('refuses its token when the gateway expects another audience', async () => {
      const sut = verifierFor({ OIDC_ISSUER: provider.issuer, OIDC_AUDIENCE: 'https://someone-else.test' });
      const token = await provider.token({ sub: 'ak-user-8', email: 'x@example.com' });
      await expectInvalid(sut.verify(token), /audience/);
    });
  });

  describe('with a JWKS issuer that signs anything', () => {
    let issuer: JwksServer;
    let env: Record<string, string>;
    beforeAll(async () => {
      issuer = await startJwksServer();
      env = { OIDC_ISSUER: issuer.issuer, OIDC_AUDIENCE: issuer.audience };
    });
    afterAll(() => issuer?.stop());

    /** Requests a verifier made of the issuer while `fn` ran. */
    async function requestsDuring(fn: () => Promise<unknown>) {
      const before = { discovery: issuer.requests('discovery'), jwks: issuer.requests('jwks') };
      await fn();
      return { discovery: issuer.requests('discovery') - before.discovery, jwks: issuer.requests('jwks') - before.jwks };
    }

    it('accepts a valid token (Authentik-shaped issuer with a path and trailing slash)', async () => {
      const sut = verifierFor(env);
      await expect(sut.verify(issuer.token({ sub: 'user-42', name: 'Ada L.', preferred_username: 'ada' }))).resolves.toEqual({
        issuer: issuer.issuer,
        subject: 'user-42',
        expiresAt: expect.any(Number),
        claims: {
          email: 'ada@example.com',
          emailVerified: true,
          givenName: 'Ada',
          familyName: 'Lovelace',
          name: 'Ada L.',
          preferredUsername: 'ada',
        },
      });
    });

    it.each(['RS256', 'PS256', 'ES256'])('accepts %s, an allowed asymmetric algorithm', async (alg) => {
      const sut = verifierFor(env);
      await expect(sut.verify(issuer.token({}, { alg }))).resolves.toMatchObject({ subject: 'user-1' });
    });

    it('refuses an asymmetric algorithm left out of OIDC_ALGORITHMS', async () => {
      await expectInvalid(verifierFor(env).verify(issuer.token({}, { alg: 'RS384' })), /algorithm "RS384"/);
      const sut = verifierFor({ ...env, OIDC_ALGORITHMS: 'RS384' });
      await expect(sut.verify(issuer.token({}, { alg: 'RS384' }))).resolves.toMatchObject({ subject: 'user-1' });
      await expectInvalid(sut.verify(issuer.token()), /algorithm "RS256"/);
    });

    it('accepts the issuer configured without its trailing slash', async () => {
      const sut = verifierFor({ ...env, OIDC_ISSUER: issuer.issuer.replace(/\/$/, '') });
      await expect(sut.verify(issuer.token())).resolves.toMatchObject({ issuer: issuer.issuer });
    });

    it('refuses a token from another issuer without asking the issuer for keys', async () => {
      const sut = verifierFor(env);
      const made = await requestsDuring(() =>
        expectInvalid(sut.verify(issuer.token({ iss: 'https://evil.example/application/o/alien/' })), /issuer/),
      );
      expect(made).toEqual({ discovery: 0, jwks: 0 });
      await expectInvalid(sut.verify(issuer.token({ iss: undefined })), /issuer/);
    });

    it('refuses a token for another audience, accepts one whose aud list holds ours', async () => {
      const sut = verifierFor(env);
      await expectInvalid(sut.verify(issuer.token({ aud: 'another-api' })), /audience/);
      await expectInvalid(sut.verify(issuer.token({ aud: undefined })), /audience/);
      await expect(sut.verify(issuer.token({ aud: ['another-api', issuer.audience] }))).resolves.toMatchObject({ subject: 'user-1' });
    });

    it('refuses an expired token', async () => {
      await expectInvalid(verifierFor(env).verify(issuer.token({ iat: now() - 600, exp: now() - 120 })), /expired/);
    });

    it('refuses a token that is not valid yet, beyond the clock skew', async () => {
      await expectInvalid(verifierFor(env).verify(issuer.token({ nbf: now() + 120 })), /not valid yet/);
    });

    it('accepts exp and nbf within the clock skew, and honours OIDC_CLOCK_TOLERANCE_SEC', async () => {
      const justExpired = issuer.token({ iat: now() - 300, exp: now() - 10 });
      const almostValid = issuer.token({ nbf: now() + 10 });
      const sut = verifierFor(env);
      await expect(sut.verify(justExpired)).resolves.toMatchObject({ subject: 'user-1' });
      await expect(sut.verify(almostValid)).resolves.toMatchObject({ subject: 'user-1' });

      const strict = verifierFor({ ...env, OIDC_CLOCK_TOLERANCE_SEC: '0' });
      await expectInvalid(strict.verify(justExpired), /expired/);
      await expectInvalid(strict.verify(almostValid), /not valid yet/);
    });

    it('refuses a token without expiry or subject', async () => {
      const sut = verifierFor(env);
      await expectInvalid(sut.verify(issuer.token({ exp: undefined })), /expiry/);
      await expectInvalid(sut.verify(issuer.token({ sub: undefined })), /subject/);
    });

    it('refuses a token whose payload was tampered with', async () => {
      const [header, , signature] = issuer.token({ sub: 'user-1' }).split('.');
      const forged = Buffer.from(
        JSON.stringify({ iss: issuer.issuer, aud: issuer.audience, sub: 'admin', exp: now() + 300 }),
      ).toString('base64url');
      await expectInvalid(verifierFor(env).verify(`${header}.${forged}.${signature}`), /signature/);
    });

    it('refuses a token signed by a key the JWKS does not hold under that kid', async () => {
      const sut = verifierFor(env);
      // Signed with the EC key, labelled with the RSA key's kid.
      await expectInvalid(sut.verify(issuer.token({}, { alg: 'ES256', kid: issuer.kid })), /invalid/);
    });

    it('refuses alg "none" without looking up a key', async () => {
      const sut = verifierFor(env);
      for (const alg of ['none', 'None', 'NONE']) {
        const made = await requestsDuring(() => expectInvalid(sut.verify(issuer.token({}, { alg })), /algorithm/));
        expect(made).toEqual({ discovery: 0, jwks: 0 });
      }
    });

    it('refuses HS256 "signed" with the issuer\'s public key', async () => {
      const sut = verifierFor(env);
      await sut.verify(issuer.token()); // the key is known and cached
      const forged = issuer.token({ sub: 'admin' }, { alg: 'HS256', secret: issuer.publicKeyPem });
      await expectInvalid(sut.verify(forged), /algorithm "HS256"/);
    });

    it('rejects HS* in OIDC_ALGORITHMS at start, naming the variable', () => {
      expect(() => readIdentityConfig({ ...env, OIDC_ALGORITHMS: 'RS256,HS256' })).toThrow(ConfigError);
      expect(() => readIdentityConfig({ ...env, OIDC_ALGORITHMS: 'none' })).toThrow(/OIDC_ALGORITHMS/);
    });

    it('refetches the JWKS once for an unknown kid, then refuses the token', async () => {
      const sut = verifierFor(env);
      await sut.verify(issuer.token());
      const made = await requestsDuring(() => expectInvalid(sut.verify(issuer.token({}, { kid: 'no-such-kid' })), /signing key/));
      expect(made).toEqual({ discovery: 0, jwks: 1 });
    });

    it('refuses a token without kid when the JWKS holds several keys', async () => {
      await expectInvalid(verifierFor(env).verify(issuer.token({}, { kid: null })), /signing key/);
    });

    it('bounds JWKS refetches when junk kids keep coming, and keeps verifying known keys', async () => {
      const sut = verifierFor(env);
      const made = await requestsDuring(async () => {
        await sut.verify(issuer.token());
        for (let i = 0; i < 25; i++) {
          await expectInvalid(sut.verify(issuer.token({}, { kid: `junk-${i}` })), /signing key/);
        }
        await expect(sut.verify(issuer.token({ sub: 'user-2' }))).resolves.toMatchObject({ subject: 'user-2' });
      });
      expect(made.discovery).toBe(1);
      expect(made.jwks).toBeGreaterThanOrEqual(2);
      expect(made.jwks).toBeLessThanOrEqual(10);
    });

    it('discovers lazily, once, and caches keys across tokens', async () => {
      const made = await requestsDuring(async () => {
        const sut = verifierFor(env);
        await Promise.all([1, 2, 3, 4, 5].map((n) => sut.verify(issuer.token({ sub: `user-${n}` }))));
        for (let n = 6; n <= 10; n++) await sut.verify(issuer.token({ sub: `user-${n}` }));
      });
      expect(made).toEqual({ discovery: 1, jwks: 1 });
    });

    it('uses OIDC_JWKS_URI instead of discovery when set', async () => {
      const sut = verifierFor({ ...env, OIDC_JWKS_URI: issuer.jwksUri });
      const made = await requestsDuring(() => sut.verify(issuer.token()));
      expect(made).toEqual({ discovery: 0, jwks: 1 });
    });

    it.each([
      ['empty', ''],
      ['word', 'garbage'],
      ['API token', 'oat_abcdefghijklmnop_1234'],
      ['dots only', '..'],
      ['three junk segments', 'a.b.c'],
      ['header not JSON', `${Buffer.from('nope').toString('base64url')}.${Buffer.from('{}').toString('base64url')}.sig`],
      ['payload not an object', `${Buffer.from('{"alg":"RS256"}').toString('base64url')}.${Buffer.from('[1]').toString('base64url')}.sig`],
      ['characters outside base64url', 'eyJhbGciOiJSUzI1NiJ9.e30=.c2ln'],
      ['four segments', 'eyJhbGciOiJSUzI1NiJ9.e30.c2ln.more'],
      ['huge', `eyJhbGciOiJSUzI1NiJ9.${'A'.repeat(20_000)}.sig`],
    ])('refuses garbage (%s) with 401 and no issuer traffic', async (_label, token) => {
      const sut = verifierFor(env);
      const made = await requestsDuring(() => expectInvalid(sut.verify(token), /Malformed|algorithm|issuer/));
      expect(made).toEqual({ discovery: 0, jwks: 0 });
    });

    describe('key rotation', () => {
      let rotating: JwksServer;
      beforeEach(async () => {
        rotating = await startJwksServer();
      });
      afterEach(() => rotating.stop());

      it('accepts the new kid after one JWKS refresh; a fresh verifier no longer knows the old key', async () => {
        const rotatingEnv = { OIDC_ISSUER: rotating.issuer, OIDC_AUDIENCE: rotating.audience };
        const sut = verifierFor(rotatingEnv);
        await sut.verify(rotating.token());
        const oldKid = rotating.kid;
        rotating.rotate();
        expect(rotating.kid).not.toBe(oldKid);

        const jwksBefore = rotating.requests('jwks');
        await expect(sut.verify(rotating.token({ sub: 'after-rotation' }))).resolves.toMatchObject({ subject: 'after-rotation' });
        expect(rotating.requests('jwks') - jwksBefore).toBe(1);

        const fresh = verifierFor(rotatingEnv);
        await expectInvalid(fresh.verify(rotating.token({}, { previousKey: true })), /signing key/);
      });
    });
  });

  describe('when the issuer is unavailable', () => {
    it('answers 503 when nothing listens at the issuer', async () => {
      const issuer = await startJwksServer();
      await issuer.stop();
      const sut = verifierFor({ OIDC_ISSUER: issuer.issuer, OIDC_AUDIENCE: issuer.audience });
      await expectUnavailable(sut.verify(issuer.token()));
    });

    it('answers 503 when the JWKS cannot be fetched', async () => {
      const issuer = await startJwksServer();
      try {
        const sut = verifierFor({
          OIDC_ISSUER: issuer.issuer,
          OIDC_AUDIENCE: issuer.audience,
          OIDC_JWKS_URI: `http://127.0.0.1:${await freePort()}/jwks`,
        });
        await expectUnavailable(sut.verify(issuer.token()));
      } finally {
        await issuer.stop();
      }
    });

    it('retries discovery after a failure and recovers when the issuer is back', async () => {
      const issuer = await startJwksServer();
      try {
        const sut = verifierFor({ OIDC_ISSUER: issuer.issuer, OIDC_AUDIENCE: issuer.audience });
        issuer.setFailing(true);
        await expectUnavailable(sut.verify(issuer.token()));
        await expectUnavailable(sut.verify(issuer.token()));
        expect(issuer.requests('discovery')).toBe(2);

        issuer.setFailing(false);
        await expect(sut.verify(issuer.token())).resolves.toMatchObject({ subject: 'user-1' });
        expect(issuer.requests('discovery')).toBe(3);
      } finally {
        await issuer.stop();
      }
    });

    it('bounds discovery attempts while the issuer stays down', async () => {
      const issuer = await startJwksServer();
      try {
        const sut = verifierFor({ OIDC_ISSUER: issuer.issuer, OIDC_AUDIENCE: issuer.audience });
        issuer.setFailing(true);
        for (let i = 0; i < 25; i++) await expectUnavailable(sut.verify(issuer.token()));
        expect(issuer.requests('discovery')).toBeLessThanOrEqual(10);
      } finally {
        await issuer.stop();
      }
    });
  });

  it('answers 401 "not configured" when OIDC_ISSUER is unset', async () => {
    const issuer = await startJwksServer();
    try {
      await expectInvalid(verifierFor({}).verify(issuer.token()), /JWT authentication is not configured/);
      expect(issuer.requests()).toBe(0);
    } finally {
      await issuer.stop();
    }
  });

  it('is built by Nest from IDENTITY_CONFIG', async () => {
    const issuer = await startJwksServer();
    const config = readIdentityConfig({ OIDC_ISSUER: issuer.issuer, OIDC_AUDIENCE: issuer.audience });
    @Module({ providers: [{ provide: IDENTITY_CONFIG, useValue: config }, JwtVerifier] })
    class JwtTestModule {}
    const app = await NestFactory.createApplicationContext(JwtTestModule, { logger: false });
    try {
      await expect(app.get(JwtVerifier).verify(issuer.token())).resolves.toMatchObject({ subject: 'user-1' });
    } finally {
      await app.close();
      await issuer.stop();
    }
  });
});

describe('looksLikeJwt', () => {
  it.each([
    ['eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl', true],
    ['eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.', true],
    ['oat_abc123_def', false],
    ['a.b', false],
    ['a.b.c.d', false],
    ['a b.c.d', false],
    ['', false],
  ])('%j → %s', (token, expected) => {
    expect(looksLikeJwt(token)).toBe(expected);
  });
});

describe('jwtFromHeaders', () => {
  const jwt = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln';
  it('reads Authorization: Bearer and x-oauth-access-token, ignoring API tokens', () => {
    expect(jwtFromHeaders({ authorization: `Bearer ${jwt}` })).toBe(jwt);
    expect(jwtFromHeaders({ authorization: `bearer  ${jwt}` })).toBe(jwt);
    expect(jwtFromHeaders({ 'x-oauth-access-token': jwt, authorization: 'Bearer oat_x' })).toBe(jwt);
    expect(jwtFromHeaders({ authorization: 'Bearer oat_abc_123' })).toBeNull();
    expect(jwtFromHeaders({ authorization: `Basic ${jwt}` })).toBeNull();
    expect(jwtFromHeaders({})).toBeNull();
  });
});
