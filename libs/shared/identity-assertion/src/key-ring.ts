import { JWK, JWTPayload, SignJWT, createLocalJWKSet, jwtVerify } from 'jose';
import { KeyObject, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes } from 'node:crypto';

export const ASSERTION_ALGORITHM = 'ES256';
const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;

export class AssertionKeyError extends Error {
  override name = 'AssertionKeyError';
}

/** A JSON Web Key Set as served at `/.well-known/jwks.json` (RFC 7517): public keys only. */
export interface JsonWebKeySet {
  keys: JWK[];
}

export interface SignOptions {
  issuer: string;
  audience: string;
  /** JWS `typ`: keeps one kind of assertion from ever being accepted as another. */
  type: string;
  expiresInSec: number;
  /** Seconds since the epoch (tests). */
  now?: number;
}

export interface VerifyOptions {
  issuer: string;
  audience: string;
  type: string;
  clockToleranceSec?: number;
}

/**
 * The platform's signing keys for identity assertions (ES256, P-256), newest first: the first key
 * signs, every key is published in the JWKS, so keys rotate without a moment where a fresh assertion
 * cannot be verified (publish the new key second, wait for verifiers' JWKS caches, move it first, drop
 * the old one after the last assertion it signed has expired).
 *
 * Spec: `kid:base64(PKCS#8 DER)` entries separated by commas (`generateAssertionKeySpec()` makes one).
 */
export class AssertionKeyRing {
  readonly currentKid: string;
  readonly jwks: JsonWebKeySet;
  private readonly signingKey: KeyObject;
  private readonly localSet: ReturnType<typeof createLocalJWKSet>;

  constructor(spec: string) {
    const entries = spec
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    if (!entries.length) throw new AssertionKeyError('the assertion key ring is empty');
    const keys: { kid: string; key: KeyObject }[] = [];
    for (const [index, entry] of entries.entries()) {
      const at = entry.indexOf(':');
      const kid = entry.slice(0, at);
      // The id is echoed only when it looks like one: a malformed entry may be key material.
      if (at < 1 || !KEY_ID.test(kid)) throw new AssertionKeyError(`entry ${index + 1} must be kid:base64key with kid matching ${KEY_ID.source}`);
      if (keys.some((k) => k.kid === kid)) throw new AssertionKeyError(`key id "${kid}" appears twice`);
      let key: KeyObject;
      try {
        key = createPrivateKey({ key: Buffer.from(entry.slice(at + 1), 'base64'), format: 'der', type: 'pkcs8' });
      } catch {
        throw new AssertionKeyError(`key "${kid}" is not a base64 PKCS#8 private key`);
      }
      if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
        throw new AssertionKeyError(`key "${kid}" must be an EC P-256 key (ES256)`);
      }
      keys.push({ kid, key });
    }
    const first = keys[0] as { kid: string; key: KeyObject };
    this.currentKid = first.kid;
    this.signingKey = first.key;
    this.jwks = {
      keys: keys.map(({ kid, key }) => {
        const { kty, crv, x, y } = createPublicKey(key).export({ format: 'jwk' });
        return { kty, crv, x, y, kid, alg: ASSERTION_ALGORITHM, use: 'sig' } as JWK;
      }),
    };
    this.localSet = createLocalJWKSet(this.jwks);
  }

  /** Signs `payload` under the newest key, with iss, aud, iat, exp and a random jti. */
  sign(payload: JWTPayload, options: SignOptions): Promise<string> {
    const now = options.now ?? Math.floor(Date.now() / 1000);
    return new SignJWT(payload)
      .setProtectedHeader({ alg: ASSERTION_ALGORITHM, kid: this.currentKid, typ: options.type })
      .setIssuer(options.issuer)
      .setAudience(options.audience)
      .setIssuedAt(now)
      .setExpirationTime(now + options.expiresInSec)
      .setJti(randomBytes(12).toString('base64url'))
      .sign(this.signingKey);
  }

  /** Verifies a token signed by any key of this ring (what a service that holds the ring does). */
  async verify(token: string, options: VerifyOptions): Promise<JWTPayload> {
    const { payload } = await jwtVerify(token, this.localSet, {
      issuer: options.issuer,
      audience: options.audience,
      typ: options.type,
      algorithms: [ASSERTION_ALGORITHM],
      clockTolerance: options.clockToleranceSec ?? 5,
      requiredClaims: ['exp', 'iat', 'sub'],
    });
    return payload;
  }
}

/** A fresh one-key ring spec (development defaults and tests). */
export function generateAssertionKeySpec(kid = 'a1'): string {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return `${kid}:${privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64')}`;
}
