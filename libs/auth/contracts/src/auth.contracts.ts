import { Page, PageQuery } from '@alien/envelope';
import { Ability, OidcClaims, Role } from '@alien/identity';
import { IdOrSlug } from '@alien/slug';
import { event, healthContract, rpc } from '@alien/contracts';

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

export interface UserView {
  id: number;
  email: string | null;
  firstName: string | null;
  lastName: string | null;
  status: 'active' | 'deactivated';
  isPlatformAdmin: boolean;
  currentOrganizationId: number | null;
  roles: { slug: Role; organizationId: number }[];
  createdAt: string;
  updatedAt: string;
}

export interface OrganizationView {
  id: number;
  name: string;
  slug: string;
  createdBy: number | null;
  /** The caller's role in it. */
  role: Role | null;
  createdAt: string;
  updatedAt: string;
}

export interface MemberView {
  userId: number;
  organizationId: number;
  email: string | null;
  firstName: string | null;
  lastName: string | null;
  role: Role;
  status: 'active' | 'deactivated';
  createdAt: string;
  updatedAt: string;
}

export interface AccessTokenView {
  id: number;
  name: string;
  /** Non-secret hint: the last four characters of the token. */
  lastFour: string;
  abilities: Ability[];
  organizationId: number | null;
  expiresAt: string | null;
  lastUsedAt: string | null;
  createdAt: string;
}

export interface CreatedAccessToken extends AccessTokenView {
  /** The secret, returned exactly once. */
  token: string;
}

export const ORGANIZATION_ORDER_BY = ['id', 'name', 'slug', 'createdAt'] as const;
export const MEMBER_ORDER_BY = ['createdAt', 'email', 'role', 'userId'] as const;
export const TOKEN_ORDER_BY = ['createdAt', 'name', 'expiresAt', 'lastUsedAt', 'id'] as const;

export interface CreateTokenRequest {
  name: string;
  /** Default: read and write. */
  abilities?: Ability[];
  /** ISO-8601 expiry in the future; or `expiresIn` seconds from now; neither: never expires. */
  expiresAt?: string;
  expiresIn?: number;
  /** undefined: restrict to the caller's organization context; null: unrestricted. */
  organizationId?: number | null;
}

export interface MemberPatch {
  role?: Role;
  status?: 'active' | 'deactivated';
}

export const AuthContracts = {
  health: healthContract('auth'),
  tokens: {
    /** The gateway sends the SHA-256 of the token, never the token itself. */
    verify: rpc<{ tokenHash: string }, Principal>('auth.token.verify.v1'),
    create: rpc<CreateTokenRequest, CreatedAccessToken>('auth.token.create.v1'),
    list: rpc<{ page: PageQuery }, Page<AccessTokenView>>('auth.token.list.v1'),
    get: rpc<{ id: number }, AccessTokenView>('auth.token.get.v1'),
    revoke: rpc<{ id: number }, { id: number; revoked: true }>('auth.token.revoke.v1'),
  },
  users: {
    /** First sight of an OIDC subject provisions the user. */
    resolveOidc: rpc<{ issuer: string; subject: string; claims: OidcClaims }, Principal>('auth.user.resolve-oidc.v1'),
    me: rpc<Record<string, never>, UserView>('auth.user.me.v1'),
    updateMe: rpc<{ firstName?: string | null; lastName?: string | null }, UserView>('auth.user.update-me.v1'),
    setStatus: rpc<{ id: number; status: 'active' | 'deactivated' }, UserView>('auth.user.set-status.v1'),
  },
  organizations: {
    list: rpc<{ page: PageQuery; q?: string }, Page<OrganizationView>>('auth.organization.list.v1'),
    create: rpc<{ name: string; slug?: string }, OrganizationView>('auth.organization.create.v1'),
    get: rpc<IdOrSlug, OrganizationView>('auth.organization.get.v1'),
    update: rpc<{ id: number; name?: string; slug?: string }, OrganizationView>('auth.organization.update.v1'),
    remove: rpc<{ id: number }, { id: number; deleted: true }>('auth.organization.delete.v1'),
    switch: rpc<{ id: number }, UserView>('auth.organization.switch.v1'),
  },
  members: {
    list: rpc<{ organizationId: number; page: PageQuery }, Page<MemberView>>('auth.member.list.v1'),
    get: rpc<{ organizationId: number; userId: number }, MemberView>('auth.member.get.v1'),
    add: rpc<{ organizationId: number; email?: string; userId?: number; role: Role }, MemberView>('auth.member.add.v1'),
    update: rpc<{ organizationId: number; userId: number; patch: MemberPatch }, MemberView>('auth.member.update.v1'),
    remove: rpc<{ organizationId: number; userId: number }, { userId: number; removed: true }>('auth.member.remove.v1'),
  },
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
