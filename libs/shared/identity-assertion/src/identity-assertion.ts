import { ABILITIES, Ability, AuthMethod, HEADERS, Identity, ROLES, Role } from '@alien/identity';
import { JWTPayload } from 'jose';
import { AssertionKeyRing, JsonWebKeySet } from './key-ring';

/** Lifetime of an identity assertion. */
export const IDENTITY_ASSERTION_TTL_SEC = 60;
/** `iss` of every assertion the platform signs, unless configured otherwise. */
export const DEFAULT_ASSERTION_ISSUER = 'alien-platform';
/** JWS `typ` values: an identity assertion is never accepted as a platform call and vice versa. */
export const ASSERTION_TYPES = {
  identity: 'alien-identity+jwt',
  platformCall: 'alien-platform-call+jwt',
} as const;

/**
 * Headers a data cluster (or any upstream acting for a user) receives from the platform. The
 * platform strips every one of them from what a client sends before it sets its own.
 */
export const UPSTREAM_HEADERS = {
  userId: HEADERS.userId,
  organizationId: HEADERS.organizationId,
  role: HEADERS.userRole,
  tokenId: HEADERS.tokenId,
  authMethod: HEADERS.authMethod,
  abilities: 'x-token-abilities',
  /** The signed identity assertion (a JWT verifiable against `/.well-known/jwks.json`). */
  assertion: 'x-alien-identity',
  requestId: HEADERS.requestId,
  authorization: HEADERS.authorization,
} as const;

/**
 * Client headers never passed to an upstream: identity the platform asserts itself, and the client's
 * own credentials for the platform (an upstream gets its own credential instead).
 */
export const CLIENT_IDENTITY_HEADERS: ReadonlySet<string> = new Set([
  UPSTREAM_HEADERS.userId,
  UPSTREAM_HEADERS.organizationId,
  UPSTREAM_HEADERS.role,
  UPSTREAM_HEADERS.tokenId,
  UPSTREAM_HEADERS.authMethod,
  UPSTREAM_HEADERS.abilities,
  UPSTREAM_HEADERS.assertion,
  UPSTREAM_HEADERS.requestId,
  HEADERS.authorization,
  HEADERS.oauthAccessToken,
  'cookie',
]);

/**
 * The claims of `x-alien-identity`, mirroring the identity headers: `sub` user id, `org`
 * organization, `role` in it, `tid` API token id (null for OIDC sign-ins), `amr` how the caller
 * authenticated, `abl` the token's abilities. Plus iss, aud (the cluster id), iat, exp (60 s), jti.
 */
export interface IdentityAssertionClaims extends JWTPayload {
  sub: string;
  org: number | null;
  role: Role | null;
  tid: number | null;
  amr: Exclude<AuthMethod, 'anonymous'>;
  abl: Ability[];
}

export function identityClaims(identity: Identity): IdentityAssertionClaims {
  if (identity.userId === null || identity.authMethod === 'anonymous') {
    throw new Error('an identity assertion needs an authenticated caller');
  }
  return {
    sub: String(identity.userId),
    org: identity.organizationId,
    role: identity.role,
    tid: identity.tokenId,
    amr: identity.authMethod,
    abl: identity.abilities,
  };
}

/** Reads the identity back out of verified claims (what a verifier does after jwtVerify). */
export function identityFromClaims(payload: JWTPayload): Identity {
  const p = payload as Partial<IdentityAssertionClaims>;
  const userId = Number(p.sub);
  if (!Number.isSafeInteger(userId) || userId < 1) throw new Error('assertion has no user');
  return {
    userId,
    organizationId: typeof p.org === 'number' ? p.org : null,
    role: typeof p.role === 'string' && (ROLES as readonly string[]).includes(p.role) ? p.role : null,
    tokenId: typeof p.tid === 'number' ? p.tid : null,
    authMethod: p.amr === 'token' || p.amr === 'jwt' ? p.amr : 'token',
    abilities: Array.isArray(p.abl) ? p.abl.filter((a): a is Ability => (ABILITIES as readonly string[]).includes(a)) : [],
    isPlatformAdmin: false,
    restrictedOrganizationId: null,
  };
}

/** The key of an assertion in the cache: everything the claims depend on. */
function cacheKey(identity: Identity, audience: string): string {
  return `${audience}|${identity.userId}|${identity.organizationId}|${identity.role}|${identity.tokenId}|${identity.authMethod}|${identity.abilities.join(',')}`;
}

/**
 * Signs `x-alien-identity` assertions, reusing one per (audience, identity) while it has more than
 * half its lifetime left: an upstream always gets at least 30 s of validity, and the proxy signs at
 * most once per caller and cluster every 30 s instead of once per request.
 */
export class IdentityAssertionSigner {
  private readonly cache = new Map<string, { token: Promise<string>; reuseUntil: number }>();

  constructor(
    private readonly ring: AssertionKeyRing,
    private readonly issuer: string = DEFAULT_ASSERTION_ISSUER,
    private readonly ttlSec = IDENTITY_ASSERTION_TTL_SEC,
    private readonly maxEntries = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  get jwks(): JsonWebKeySet {
    return this.ring.jwks;
  }

  /** A signed assertion of `identity` for `audience` (a cluster's id). */
  assertion(identity: Identity, audience: string): Promise<string> {
    const key = cacheKey(identity, audience);
    const now = this.now();
    const hit = this.cache.get(key);
    if (hit && hit.reuseUntil > now) return hit.token;
    if (hit) this.cache.delete(key);
    else if (this.cache.size >= this.maxEntries) {
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
    const token = this.ring.sign(identityClaims(identity), {
      issuer: this.issuer,
      audience,
      type: ASSERTION_TYPES.identity,
      expiresInSec: this.ttlSec,
      now: Math.floor(now / 1000),
    });
    this.cache.set(key, { token, reuseUntil: now + (this.ttlSec * 1000) / 2 });
    token.catch(() => this.cache.delete(key));
    return token;
  }
}

/**
 * The headers an upstream receives for a caller: who (ids, role, abilities, how they authenticated),
 * the request id, the signed assertion, and the upstream's own credential as a bearer token.
 */
export function upstreamIdentityHeaders(
  identity: Identity,
  requestId: string,
  assertion: string,
  credential: string | null,
): Record<string, string> {
  const headers: Record<string, string> = {
    [UPSTREAM_HEADERS.userId]: String(identity.userId),
    [UPSTREAM_HEADERS.organizationId]: identity.organizationId === null ? '' : String(identity.organizationId),
    [UPSTREAM_HEADERS.role]: identity.role ?? '',
    [UPSTREAM_HEADERS.tokenId]: identity.tokenId === null ? '' : String(identity.tokenId),
    [UPSTREAM_HEADERS.authMethod]: identity.authMethod,
    [UPSTREAM_HEADERS.abilities]: identity.abilities.join(','),
    [UPSTREAM_HEADERS.requestId]: requestId,
    [UPSTREAM_HEADERS.assertion]: assertion,
  };
  if (credential) headers[UPSTREAM_HEADERS.authorization] = `Bearer ${credential}`;
  return headers;
}
