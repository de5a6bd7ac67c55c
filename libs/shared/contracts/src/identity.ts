import { Ability, OidcClaims, Role } from '@alien/identity';
import { event, rpc } from './rpc';

// The identity contracts every edge (gateway, proxy) uses to authenticate callers. Auth serves the
// requests and publishes the events; they live here, co-owned by the identity and platform teams, so
// shared edge code (libs/shared/nest-identity) can use them without importing a domain.

/** What the gateway learns about a credential: enough to build an Identity for any organization. */
export interface Principal {
  userId: number;
  /** Set when the credential is an `oat_` token. */
  tokenId: number | null;
  authMethod: 'token' | 'jwt';
  abilities: Ability[];
  /** The token may act only in this organization (null: any of the user's organizations). */
  restrictedOrganizationId: number | null;
  isPlatformAdmin: boolean;
  currentOrganizationId: number | null;
  /** Active memberships only. */
  memberships: { organizationId: number; role: Role }[];
  /** Token expiry (ISO) or null. */
  expiresAt: string | null;
}

export const IdentityContracts = {
  /** The edge sends the SHA-256 of an `oat_` token, never the token itself. */
  verifyToken: rpc<{ tokenHash: string }, Principal>('auth.token.verify.v1'),
  /** First sight of an OIDC subject provisions the user. */
  resolveOidc: rpc<{ issuer: string; subject: string; claims: OidcClaims }, Principal>('auth.user.resolve-oidc.v1'),
} as const;

/** Fire-and-forget: the gateway reports token use; auth updates `lastUsedAt` off the request path. */
export const TOKEN_USED = event<{ tokenIds: number[] }>('auth.token.used.v1');

/** Domain events (JetStream stream AUTH_EVENTS); every gateway replica also listens to evict caches. */
export const AuthEvents = {
  tokenRevoked: event<{ tokenId: number; userId: number }>('auth.token.revoked.v1'),
  memberAdded: event<{ organizationId: number; userId: number; role: Role }>('auth.member.added.v1'),
  memberUpdated: event<{ organizationId: number; userId: number; role: Role; status: string }>('auth.member.updated.v1'),
  memberRemoved: event<{ organizationId: number; userId: number }>('auth.member.removed.v1'),
  organizationDeleted: event<{ organizationId: number; memberUserIds: number[] }>('auth.organization.deleted.v1'),
  userUpdated: event<{ userId: number; status: string }>('auth.user.updated.v1'),
} as const;

export const AUTH_EVENTS_STREAM = 'AUTH_EVENTS';

/** Users affected by an auth event (whose cached principals must go). */
export function affectedUserIds(subject: string, payload: unknown): number[] | 'all' {
  const p = payload as Record<string, unknown>;
  if (subject.endsWith(AuthEvents.organizationDeleted.subject)) {
    return Array.isArray(p['memberUserIds']) ? (p['memberUserIds'] as number[]) : 'all';
  }
  return typeof p?.['userId'] === 'number' ? [p['userId'] as number] : 'all';
}
