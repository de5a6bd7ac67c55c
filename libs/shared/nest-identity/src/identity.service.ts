import { IdentityContracts, Principal } from '@alien/contracts';
import { RpcClient } from '@alien/nest-rpc';
import { ApiError } from '@alien/envelope';
import {
  ANONYMOUS,
  HEADERS,
  Identity,
  RequestContext,
  Role,
  TOKEN_PREFIX,
  hasValidChecksum,
  hashAccessToken,
} from '@alien/identity';
import { MAX_ID } from '@alien/slug';
import { Inject, Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { IDENTITY_CONFIG, IdentityConfig } from './identity-config';
import { ServiceBus } from '@alien/nest-http';
import { JwtVerifier, VerifiedJwt, looksLikeJwt } from './jwt/jwt-verifier';
import { PrincipalCache } from './principal-cache';
import { TokenUsageReporter } from './token-usage';

type Credential = { kind: 'token' | 'jwt'; value: string; header: string };

const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);
const ORG_ID = /^[1-9][0-9]{0,9}$/;

/** Every value of a header, duplicates included (Node keeps only the first `authorization`). */
function allValues(headers: IncomingHttpHeaders, rawHeaders: string[] | undefined, name: string): string[] {
  if (!rawHeaders) {
    const v = headers[name];
    return v === undefined ? [] : Array.isArray(v) ? v : [v];
  }
  const out: string[] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    if ((rawHeaders[i] as string).toLowerCase() === name) out.push(rawHeaders[i + 1] as string);
  }
  return out;
}

function bearer(value: string): Credential {
  const match = /^Bearer(?:\s+(\S*))?\s*$/i.exec(value);
  if (!match) throw ApiError.unauthenticated('Authorization must be "Bearer <token>"', 'invalid_token');
  const token = match[1];
  if (!token) throw ApiError.unauthenticated('Bearer token is missing', 'invalid_token');
  if (token.startsWith(TOKEN_PREFIX)) return { kind: 'token', value: token, header: HEADERS.authorization };
  if (looksLikeJwt(token)) return { kind: 'jwt', value: token, header: HEADERS.authorization };
  throw ApiError.unauthenticated('Unrecognised bearer token', 'invalid_token');
}

/**
 * Every credential a request carries (`Authorization`, `x-oauth-access-token`). A malformed one is 401,
 * never a silent anonymous; a header sent twice is 400 (which one would count is anyone's guess).
 */
export function credentialsFrom(headers: IncomingHttpHeaders, rawHeaders?: string[]): Credential[] {
  const authorization = allValues(headers, rawHeaders, HEADERS.authorization);
  const oauth = allValues(headers, rawHeaders, HEADERS.oauthAccessToken);
  if (authorization.length > 1 || oauth.length > 1) {
    throw new ApiError(400, 'Send each credential header once', 'duplicate_credentials');
  }
  const out: Credential[] = [];
  if (authorization[0] !== undefined) out.push(bearer(authorization[0]));
  if (oauth[0] !== undefined) {
    const token = oauth[0].trim();
    if (!looksLikeJwt(token)) throw ApiError.unauthenticated('x-oauth-access-token must be a JWT', 'invalid_token');
    out.push({ kind: 'jwt', value: token, header: HEADERS.oauthAccessToken });
  }
  return out;
}

/**
 * The organization a request acts in: `x-organization-id` when sent (a membership, inside the
 * token's restriction), else the token's organization, else the user's current organization.
 */
export function organizationContext(
  principal: Principal,
  header: string | undefined,
): { organizationId: number | null; role: Role | null } {
  const restricted = principal.restrictedOrganizationId;
  const roleIn = (id: number) => principal.memberships.find((m) => m.organizationId === id)?.role ?? null;
  if (header !== undefined) {
    const raw = header.trim();
    if (!ORG_ID.test(raw) || Number(raw) > MAX_ID) {
      throw ApiError.invalid(HEADERS.organizationId, 'number', `${HEADERS.organizationId} must be an organization id`);
    }
    const id = Number(raw);
    if (restricted !== null && id !== restricted) {
      throw ApiError.forbidden(`This token is restricted to organization ${restricted}`, 'organization_restricted');
    }
    const role = roleIn(id);
    if (!role) throw ApiError.forbidden('You are not a member of that organization', 'not_a_member');
    return { organizationId: id, role };
  }
  const fallback = restricted ?? principal.currentOrganizationId;
  if (fallback === null) return { organizationId: null, role: null };
  const role = roleIn(fallback);
  return role ? { organizationId: fallback, role } : { organizationId: null, role: null };
}

/** Turns a request's credentials into an Identity, once per request (cached principals, events evict). */
@Injectable()
export class IdentityService {
  private readonly auth: RpcClient;
  /** Verified JWTs by their SHA-256, until they expire (or the cache TTL): a signature is checked once. */
  private readonly verifiedJwts = new Map<string, { jwt: VerifiedJwt; until: number }>();

  constructor(
    bus: ServiceBus,
    private readonly cache: PrincipalCache,
    private readonly jwt: JwtVerifier,
    private readonly usage: TokenUsageReporter,
    @Inject(IDENTITY_CONFIG) private readonly config: IdentityConfig,
  ) {
    this.auth = bus.client('auth');
  }

  /**
   * The caller's identity. Every credential sent is verified (any bad one is 401); two that name
   * different users are 400. Takes the request's `rawHeaders` too, so that a credential header sent
   * twice is seen (Node keeps only the first `authorization` in `headers`) wherever a request is
   * authenticated — the gateway's guard and the proxy app's data plane alike.
   */
  async resolve(req: { headers: IncomingHttpHeaders; rawHeaders: string[] }, requestId: string): Promise<Identity> {
    const headers = req.headers;
    const credentials = credentialsFrom(headers, req.rawHeaders);
    if (!credentials.length) return ANONYMOUS;
    const principals = await Promise.all(
      credentials.map((c) => (c.kind === 'token' ? this.tokenPrincipal(c.value, requestId) : this.jwtPrincipal(c.value, requestId))),
    );
    const principal = principals[0] as Principal;
    if (principals.some((p) => p.userId !== principal.userId)) {
      throw new ApiError(400, 'The credentials sent name different users; send one', 'conflicting_credentials');
    }
    const { organizationId, role } = organizationContext(principal, first(headers[HEADERS.organizationId]));
    return {
      userId: principal.userId,
      organizationId,
      role,
      tokenId: principal.tokenId,
      authMethod: principal.authMethod,
      abilities: principal.abilities,
      isPlatformAdmin: principal.isPlatformAdmin,
      restrictedOrganizationId: principal.restrictedOrganizationId,
    };
  }

  private async tokenPrincipal(token: string, requestId: string): Promise<Principal> {
    const hash = hashAccessToken(token);
    const key = `t:${hash}`;
    let principal = this.cache.get(key);
    if (!principal) {
      // Not one of ours (typo, truncated, made up): refuse without asking anyone.
      if (!hasValidChecksum(token)) throw ApiError.unauthenticated('Invalid token', 'invalid_token');
      principal = await this.auth.call(IdentityContracts.verifyToken, { tokenHash: hash }, this.systemContext(requestId));
      this.cache.set(key, principal, principal.expiresAt ? Date.parse(principal.expiresAt) : undefined);
    } else if (principal.expiresAt && Date.parse(principal.expiresAt) <= Date.now()) {
      throw ApiError.unauthenticated('This token has expired', 'invalid_token');
    }
    if (principal.tokenId !== null) this.usage.used(principal.tokenId);
    return principal;
  }

  private async verifyJwt(token: string): Promise<VerifiedJwt> {
    const key = createHash('sha256').update(token).digest('base64');
    const now = Date.now();
    const hit = this.verifiedJwts.get(key);
    if (hit && hit.until > now) return hit.jwt;
    if (hit) this.verifiedJwts.delete(key);
    const jwt = await this.jwt.verify(token);
    if (this.config.AUTH_CACHE_TTL_MS > 0) {
      if (this.verifiedJwts.size >= this.config.AUTH_CACHE_MAX_ENTRIES) {
        const oldest = this.verifiedJwts.keys().next().value;
        if (oldest !== undefined) this.verifiedJwts.delete(oldest);
      }
      this.verifiedJwts.set(key, { jwt, until: Math.min(now + this.config.AUTH_CACHE_TTL_MS, jwt.expiresAt * 1000) });
    }
    return jwt;
  }

  private async jwtPrincipal(token: string, requestId: string): Promise<Principal> {
    const verified = await this.verifyJwt(token);
    const key = `j:${verified.issuer}\u0000${verified.subject}`;
    let principal = this.cache.get(key);
    if (!principal) {
      principal = await this.auth.call(
        IdentityContracts.resolveOidc,
        { issuer: verified.issuer, subject: verified.subject, claims: verified.claims },
        this.systemContext(requestId),
      );
      this.cache.set(key, principal, verified.expiresAt * 1000);
    }
    return principal;
  }

  private systemContext(requestId: string): RequestContext {
    return { requestId, identity: ANONYMOUS };
  }
}
