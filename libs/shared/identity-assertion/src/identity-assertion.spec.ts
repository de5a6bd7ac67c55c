import { ANONYMOUS, Identity } from '@alien/identity';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import {
  ASSERTION_TYPES,
  IdentityAssertionSigner,
  identityFromClaims,
  upstreamIdentityHeaders,
} from './identity-assertion';
import { AssertionKeyRing, generateAssertionKeySpec } from './key-ring';
import { signPlatformCall, verifyPlatformCall } from './platform-call';

const caller: Identity = {
  userId: 7,
  organizationId: 3,
  role: 'writer',
  tokenId: 11,
  authMethod: 'token',
  abilities: ['read'],
  isPlatformAdmin: false,
  restrictedOrganizationId: 3,
};

describe(AssertionKeyRing.name, () => {
  const oldKey = generateAssertionKeySpec('old');
  const newKey = generateAssertionKeySpec('new');

  it('signs with the newest key and publishes every key, public parts only', async () => {
    const sut = new AssertionKeyRing(`${newKey},${oldKey}`);
    expect(sut.jwks.keys.map((k) => k.kid)).toEqual(['new', 'old']);
    for (const key of sut.jwks.keys) {
      expect(key).toEqual({ kty: 'EC', crv: 'P-256', x: expect.any(String), y: expect.any(String), kid: key.kid, alg: 'ES256', use: 'sig' });
      expect(key).not.toHaveProperty('d');
    }
    const token = await sut.sign({ sub: '1' }, { issuer: 'alien-platform', audience: '5', type: 'x+jwt', expiresInSec: 60 });
    expect(decodeProtectedHeader(token)).toEqual({ alg: 'ES256', kid: 'new', typ: 'x+jwt' });
  });

  it('keeps verifying what the previous key signed after a rotation', async () => {
    const before = new AssertionKeyRing(oldKey);
    const token = await before.sign({ sub: '1' }, { issuer: 'i', audience: 'a', type: 't', expiresInSec: 60 });
    const rotated = new AssertionKeyRing(`${newKey},${oldKey}`);
    await expect(rotated.verify(token, { issuer: 'i', audience: 'a', type: 't' })).resolves.toMatchObject({ sub: '1' });
    const dropped = new AssertionKeyRing(newKey);
    await expect(dropped.verify(token, { issuer: 'i', audience: 'a', type: 't' })).rejects.toThrow();
  });

  it('refuses malformed rings without echoing key material', () => {
    expect(() => new AssertionKeyRing('')).toThrow(/empty/);
    expect(() => new AssertionKeyRing('k1:bm90IGEga2V5')).toThrow(/PKCS#8/);
    expect(() => new AssertionKeyRing(`${newKey},${newKey}`)).toThrow(/twice/);
    expect(() => new AssertionKeyRing(`bad id:${newKey.split(':')[1]}`)).toThrow(/entry 1 must be kid:base64key/);
    try {
      new AssertionKeyRing('k1:c2VjcmV0LWtleS1tYXRlcmlhbA==');
    } catch (e) {
      expect((e as Error).message).not.toContain('c2VjcmV0');
    }
  });
});

describe(IdentityAssertionSigner.name, () => {
  const ring = new AssertionKeyRing(generateAssertionKeySpec('k1'));

  it('signs claims that mirror the identity headers, for one audience, for 60 s', async () => {
    const sut = new IdentityAssertionSigner(ring, 'alien-platform');
    const token = await sut.assertion(caller, '42');
    const { payload, protectedHeader } = await jwtVerify(token, createLocalJWKSet(sut.jwks), {
      issuer: 'alien-platform',
      audience: '42',
      typ: ASSERTION_TYPES.identity,
    });
    expect(protectedHeader.alg).toBe('ES256');
    expect(payload).toMatchObject({ sub: '7', org: 3, role: 'writer', tid: 11, amr: 'token', abl: ['read'], aud: '42' });
    expect((payload.exp as number) - (payload.iat as number)).toBe(60);
    expect(identityFromClaims(payload)).toMatchObject({ userId: 7, organizationId: 3, role: 'writer', tokenId: 11, abilities: ['read'] });
    await expect(jwtVerify(token, createLocalJWKSet(sut.jwks), { audience: '43' })).rejects.toThrow();
  });

  it('reuses an assertion while it has more than half its life, then signs a new one', async () => {
    let now = 1_000_000_000_000;
    const sut = new IdentityAssertionSigner(ring, 'alien-platform', 60, 100, () => now);
    const first = await sut.assertion(caller, '42');
    expect(await sut.assertion(caller, '42')).toBe(first);
    expect(await sut.assertion({ ...caller, role: 'viewer' }, '42')).not.toBe(first);
    expect(await sut.assertion(caller, '43')).not.toBe(first);
    now += 31_000;
    expect(await sut.assertion(caller, '42')).not.toBe(first);
  });

  it('refuses to assert an anonymous caller', () => {
    const sut = new IdentityAssertionSigner(ring);
    expect(() => sut.assertion(ANONYMOUS, '42')).toThrow(/authenticated/);
  });

  it('builds the upstream headers, the credential as a bearer token', () => {
    expect(upstreamIdentityHeaders(caller, 'req-1', 'jwt', 'cluster-secret')).toEqual({
      'x-user-id': '7',
      'x-organization-id': '3',
      'x-user-role': 'writer',
      'x-token-id': '11',
      'x-auth-method': 'token',
      'x-token-abilities': 'read',
      'x-request-id': 'req-1',
      'x-alien-identity': 'jwt',
      authorization: 'Bearer cluster-secret',
    });
    expect(upstreamIdentityHeaders({ ...caller, tokenId: null, authMethod: 'jwt' }, 'r', 'j', null)).not.toHaveProperty('authorization');
  });
});

describe('platform calls', () => {
  const ring = new AssertionKeyRing(generateAssertionKeySpec('k1'));

  it('carry the identity and the job to the audience, and nowhere else', async () => {
    const token = await signPlatformCall(ring, { identity: caller, jobId: 99 }, { audience: 'proxy' });
    await expect(verifyPlatformCall(ring, token, { audience: 'proxy' })).resolves.toEqual({
      identity: expect.objectContaining({ userId: 7, organizationId: 3, tokenId: 11 }),
      jobId: 99,
    });
    await expect(verifyPlatformCall(ring, token, { audience: 'orchestration' })).rejects.toThrow();
  });

  it('are never accepted as identity assertions, nor identity assertions as platform calls', async () => {
    const identityToken = await new IdentityAssertionSigner(ring).assertion(caller, 'proxy');
    await expect(verifyPlatformCall(ring, identityToken, { audience: 'proxy' })).rejects.toThrow();
    const call = await signPlatformCall(ring, { identity: caller, jobId: null }, { audience: '42' });
    await expect(jwtVerify(call, createLocalJWKSet(ring.jwks), { audience: '42', typ: ASSERTION_TYPES.identity })).rejects.toThrow();
  });

  it('signed by another ring are refused', async () => {
    const other = new AssertionKeyRing(generateAssertionKeySpec('k1'));
    const forged = await signPlatformCall(other, { identity: caller, jobId: 1 }, { audience: 'proxy' });
    await expect(verifyPlatformCall(ring, forged, { audience: 'proxy' })).rejects.toThrow();
  });
});
