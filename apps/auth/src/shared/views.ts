import { AccessTokenView, InvitationView, MemberView, OrganizationView, UserView } from '@alien/auth/contracts';
import { Role } from '@alien/identity';
import { AccessTokenEntity, InvitationEntity, MembershipEntity, OrganizationEntity, UserEntity } from './entities';

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export function toUserView(user: UserEntity, roles: { role: Role; organizationId: number }[]): UserView {
  return {
    id: user.id,
    email: user.email,
    firstName: user.firstName,
    lastName: user.lastName,
    userType: user.userType,
    status: user.status,
    isPlatformAdmin: user.isPlatformAdmin,
    currentOrganizationId: user.currentOrganizationId,
    roles: roles.map((r) => ({ slug: r.role, organizationId: r.organizationId })),
    createdAt: user.createdAt.toISOString(),
    updatedAt: user.updatedAt.toISOString(),
  };
}

export function toOrganizationView(org: OrganizationEntity, role: Role | null): OrganizationView {
  return {
    id: org.id,
    name: org.name,
    slug: org.slug,
    createdBy: org.createdBy,
    role,
    createdAt: org.createdAt.toISOString(),
    updatedAt: org.updatedAt.toISOString(),
  };
}

export function toMemberView(m: MembershipEntity & { user?: UserEntity }): MemberView {
  return {
    userId: m.userId,
    organizationId: m.organizationId,
    email: m.user?.email ?? null,
    firstName: m.user?.firstName ?? null,
    lastName: m.user?.lastName ?? null,
    userType: m.user?.userType ?? 'human',
    role: m.role,
    status: m.status,
    createdAt: m.createdAt.toISOString(),
    updatedAt: m.updatedAt.toISOString(),
  };
}

export function toTokenView(t: AccessTokenEntity): AccessTokenView {
  return {
    id: t.id,
    name: t.name,
    lastFour: t.lastFour,
    abilities: t.abilities,
    organizationId: t.organizationId,
    expiresAt: iso(t.expiresAt),
    lastUsedAt: iso(t.lastUsedAt),
    createdAt: t.createdAt.toISOString(),
  };
}

/** Echoes what the inviter sent; nothing about the person it names (who may not exist). */
export function toInvitationView(i: InvitationEntity, organizationName: string, now = new Date()): InvitationView {
  return {
    id: i.id,
    organizationId: i.organizationId,
    organizationName,
    role: i.role,
    status: i.status === 'invited' && i.expiresAt <= now ? 'expired' : i.status,
    email: i.email,
    userId: i.userId,
    invitedBy: i.invitedBy,
    createdAt: i.createdAt.toISOString(),
    expiresAt: i.expiresAt.toISOString(),
  };
}
