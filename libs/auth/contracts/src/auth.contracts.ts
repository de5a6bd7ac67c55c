import { Page, PageQuery } from '@alien/envelope';
import { Ability, Role } from '@alien/identity';
import { IdOrSlug } from '@alien/slug';
import { IdentityContracts, healthContract, rpc } from '@alien/contracts';

// What every edge (gateway, proxy) needs to authenticate callers lives in the shared contracts;
// auth serves and publishes it. Re-exported so auth's own code reads it from its contracts.
export { AUTH_EVENTS_STREAM, AuthEvents, Principal, TOKEN_USED, affectedUserIds } from '@alien/contracts';

/** `human` users sign in (OIDC); `service` accounts are machines an organization manages. */
export const USER_TYPES = ['human', 'service'] as const;
export type UserType = (typeof USER_TYPES)[number];

export interface UserView {
  id: number;
  email: string | null;
  firstName: string | null;
  lastName: string | null;
  userType: UserType;
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

/** A member, as fellow members see them (nobody else ever sees a member's email or name). */
export interface MemberView {
  userId: number;
  organizationId: number;
  email: string | null;
  firstName: string | null;
  lastName: string | null;
  userType: UserType;
  role: Role;
  status: 'active' | 'deactivated';
  createdAt: string;
  updatedAt: string;
}

/**
 * `invited` until the invitee accepts or declines, or an admin revokes it; `expired` is an `invited`
 * one past `expiresAt` (stored as `invited`, shown as `expired`).
 */
export const INVITATION_STATUSES = ['invited', 'accepted', 'declined', 'revoked', 'expired'] as const;
export type InvitationStatus = (typeof INVITATION_STATUSES)[number];

/**
 * An invitation into an organization. It echoes what the inviter sent (`email` or `userId`, the other
 * null) and never says whether that email or id belongs to anyone: no name, no profile, same shape
 * for a user who exists and one who does not.
 */
export interface InvitationView {
  id: number;
  organizationId: number;
  /** So the invitee knows what they are asked to join. */
  organizationName: string;
  role: Role;
  status: InvitationStatus;
  email: string | null;
  userId: number | null;
  /** The inviting user's id (never their email: the invitee is not a member yet). */
  invitedBy: number | null;
  createdAt: string;
  expiresAt: string;
}

export interface CreateInvitationRequest {
  organizationId: number;
  email?: string;
  userId?: number;
  role: Role;
}

/** A managed account an organization creates for itself: a member (role `client`) at once. */
export interface CreateManagedUserRequest {
  organizationId: number;
  userType: UserType;
  /** Required for `human`; lower-cased; must not be any user's email yet (409 `email_unavailable`). */
  email?: string | null;
  firstName?: string | null;
  lastName?: string | null;
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
export const INVITATION_ORDER_BY = ['createdAt', 'expiresAt', 'id'] as const;
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
    verify: IdentityContracts.verifyToken,
    create: rpc<CreateTokenRequest, CreatedAccessToken>('auth.token.create.v1'),
    list: rpc<{ page: PageQuery }, Page<AccessTokenView>>('auth.token.list.v1'),
    get: rpc<{ id: number }, AccessTokenView>('auth.token.get.v1'),
    revoke: rpc<{ id: number }, { id: number; revoked: true }>('auth.token.revoke.v1'),
  },
  users: {
    /** First sight of an OIDC subject provisions the user. */
    resolveOidc: IdentityContracts.resolveOidc,
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
    update: rpc<{ organizationId: number; userId: number; patch: MemberPatch }, MemberView>('auth.member.update.v1'),
    remove: rpc<{ organizationId: number; userId: number }, { userId: number; removed: true }>('auth.member.remove.v1'),
  },
  invitations: {
    /** Owner/admin invite by email or user id; the reply never tells whether that person exists. */
    create: rpc<CreateInvitationRequest, InvitationView>('auth.invitation.create.v1'),
    /** An organization's invitations (owner/admin), optionally one status. */
    list: rpc<{ organizationId: number; page: PageQuery; status?: InvitationStatus }, Page<InvitationView>>('auth.invitation.list.v1'),
    revoke: rpc<{ organizationId: number; id: number }, { id: number; revoked: true }>('auth.invitation.revoke.v1'),
    /** The caller's pending invitations (by user id, or by their verified email). */
    listMine: rpc<{ page: PageQuery }, Page<InvitationView>>('auth.invitation.list-mine.v1'),
    accept: rpc<{ id: number }, InvitationView>('auth.invitation.accept.v1'),
    decline: rpc<{ id: number }, InvitationView>('auth.invitation.decline.v1'),
  },
  organizationUsers: {
    /** Owner/admin create a managed account: a user who is an active `client` member at once. */
    create: rpc<CreateManagedUserRequest, MemberView>('auth.organization-user.create.v1'),
    /** Owner/admin: the organization's members with their emails and user type. */
    list: rpc<{ organizationId: number; page: PageQuery }, Page<MemberView>>('auth.organization-user.list.v1'),
  },
} as const;
