/** Who is calling, as the gateway resolved it. Services receive it inside every NATS message. */

export const ROLES = ['owner', 'admin', 'writer', 'viewer', 'client'] as const;
export type Role = (typeof ROLES)[number];

export const ABILITIES = ['read', 'write'] as const;
export type Ability = (typeof ABILITIES)[number];

export type AuthMethod = 'anonymous' | 'token' | 'jwt';

export interface Identity {
  /** null for anonymous callers. */
  userId: number | null;
  /** The organization this request acts in (null when anonymous or the user has none yet). */
  organizationId: number | null;
  /** The caller's role in organizationId. */
  role: Role | null;
  /** Set when the request was authenticated by an `oat_` token. */
  tokenId: number | null;
  authMethod: AuthMethod;
  abilities: Ability[];
  isPlatformAdmin: boolean;
  /** The token may act only in this organization (null: no restriction). */
  restrictedOrganizationId: number | null;
}

export const ANONYMOUS: Identity = Object.freeze({
  userId: null,
  organizationId: null,
  role: null,
  tokenId: null,
  authMethod: 'anonymous',
  abilities: ['read'],
  isPlatformAdmin: false,
  restrictedOrganizationId: null,
}) as Identity;

/** Travels with every NATS request: who asks, and which HTTP request it belongs to. */
export interface RequestContext {
  requestId: string;
  identity: Identity;
  /**
   * When the caller stops waiting (epoch ms), set by the RPC client from its timeout. A service drops a
   * request whose deadline passed before it got to it: nobody would read the answer.
   */
  deadline?: number;
}

/** HTTP header names the platform reads or writes. Client-sent identity headers are never trusted. */
export const HEADERS = {
  requestId: 'x-request-id',
  organizationId: 'x-organization-id',
  oauthAccessToken: 'x-oauth-access-token',
  authorization: 'authorization',
  // Injected by the cluster proxy towards data clusters (after stripping what the client sent).
  userId: 'x-user-id',
  userRole: 'x-user-role',
  tokenId: 'x-token-id',
  authMethod: 'x-auth-method',
} as const;

/** Headers that carry identity downstream: stripped from client requests before anything is injected. */
export const IDENTITY_HEADERS: readonly string[] = [
  HEADERS.userId,
  HEADERS.organizationId,
  HEADERS.userRole,
  HEADERS.tokenId,
  HEADERS.authMethod,
];

const RANK: Record<Role, number> = { owner: 4, admin: 3, writer: 2, viewer: 1, client: 1 };

/** True when `role` is at least `minimum` (client counts as viewer for reads). */
export function roleAtLeast(role: Role | null | undefined, minimum: Role): boolean {
  if (!role) return false;
  return RANK[role] >= RANK[minimum];
}

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

export function isAbility(value: unknown): value is Ability {
  return typeof value === 'string' && (ABILITIES as readonly string[]).includes(value);
}

export function isAuthenticated(identity: Identity): identity is Identity & { userId: number } {
  return identity.userId !== null;
}

/** Profile claims of an OIDC access token, in the shape users are provisioned from. */
export interface OidcClaims {
  email?: string;
  emailVerified?: boolean;
  givenName?: string;
  familyName?: string;
  name?: string;
  preferredUsername?: string;
}
