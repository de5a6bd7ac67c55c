import { AuthEvents, Principal, UserView } from '@alien/auth/contracts';
import { ABILITIES, OidcClaims, RequestContext, Role } from '@alien/identity';
import { ApiError } from '@alien/envelope';
import { EventBus } from '@alien/nest-service';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, IsNull } from 'typeorm';
import { callerId } from '../shared/access';
import { MembershipEntity, UserEntity } from '../shared/entities';
import { toUserView } from '../shared/views';

const clip = (value: string | undefined, max: number) => (value ? value.trim().slice(0, max) || null : null);

@Injectable()
export class UsersService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly events: EventBus,
  ) {}

  async activeMemberships(userId: number, manager: EntityManager = this.db.manager) {
    const rows = await manager
      .getRepository(MembershipEntity)
      .find({ where: { userId, status: 'active' }, order: { organizationId: 'ASC' } });
    return rows.map((m) => ({ organizationId: m.organizationId, role: m.role as Role }));
  }

  /** Everything the gateway needs to authorize this user's requests, for any organization. */
  async principal(
    user: UserEntity,
    token?: { id: number; abilities: Principal['abilities']; organizationId: number | null; expiresAt: Date | null },
  ): Promise<Principal> {
    if (user.status !== 'active') throw ApiError.unauthenticated('This user is deactivated', 'user_deactivated');
    const memberships = await this.activeMemberships(user.id);
    // A token restricted to an organization its user has left (or was removed from) is worth nothing.
    if (token?.organizationId != null && !memberships.some((m) => m.organizationId === token.organizationId)) {
      throw ApiError.unauthenticated('This token is restricted to an organization you are no longer a member of', 'invalid_token');
    }
    return {
      userId: user.id,
      tokenId: token?.id ?? null,
      authMethod: token ? 'token' : 'jwt',
      abilities: token ? token.abilities : [...ABILITIES],
      restrictedOrganizationId: token?.organizationId ?? null,
      isPlatformAdmin: user.isPlatformAdmin,
      currentOrganizationId: user.currentOrganizationId,
      memberships,
      expiresAt: token?.expiresAt ? token.expiresAt.toISOString() : null,
    };
  }

  /**
   * First sight of an OIDC subject provisions the user from its claims. A human user who has no
   * subject yet (made by an operator, or a managed account an organization created) is linked when the
   * provider does not say the email is unverified. Invitations to an email reach its user only while
   * that email is verified by the same rule.
   */
  async resolveOidc(issuer: string, subject: string, claims: OidcClaims): Promise<Principal> {
    const email = clip(claims.email?.toLowerCase(), 320);
    const vouched = email !== null && claims.emailVerified !== false;
    const user = await this.db.transaction(async (m) => {
      const users = m.getRepository(UserEntity);
      const existing = await users.findOneBy({ oidcIssuer: issuer, oidcSubject: subject });
      if (existing) {
        const sameEmail = existing.email !== null && existing.email.toLowerCase() === email;
        if (sameEmail && existing.emailVerified !== vouched) {
          existing.emailVerified = vouched;
          return users.save(existing);
        }
        return existing;
      }
      if (vouched) {
        const unlinked = await users
          .createQueryBuilder('u')
          .setLock('pessimistic_write')
          .where(`lower(u.email) = :email AND u.oidc_subject IS NULL AND u.user_type = 'human'`, { email })
          .getOne();
        if (unlinked) {
          unlinked.oidcIssuer = issuer;
          unlinked.oidcSubject = subject;
          unlinked.emailVerified = true;
          unlinked.firstName ??= clip(claims.givenName, 100);
          unlinked.lastName ??= clip(claims.familyName, 100);
          return users.save(unlinked);
        }
      }
      const emailTaken = email ? await users.createQueryBuilder('u').where('lower(u.email) = :email', { email }).getExists() : false;
      const inserted = await users
        .createQueryBuilder()
        .insert()
        .values({
          email: emailTaken ? null : email,
          emailVerified: !emailTaken && vouched,
          firstName: clip(claims.givenName, 100),
          lastName: clip(claims.familyName, 100),
          oidcIssuer: issuer,
          oidcSubject: subject,
        })
        .orIgnore()
        .returning('*')
        .execute();
      // A concurrent first request for the same subject may have won the insert: read it back.
      const created = await users.findOneBy({ oidcIssuer: issuer, oidcSubject: subject });
      if (!created) throw new Error(`user for ${subject} not found after insert (${inserted.identifiers.length})`);
      return created;
    });
    return this.principal(user);
  }

  async me(ctx: RequestContext): Promise<UserView> {
    const user = await this.db.getRepository(UserEntity).findOneBy({ id: callerId(ctx) });
    if (!user) throw ApiError.unauthenticated('This user no longer exists');
    return toUserView(user, await this.activeMemberships(user.id));
  }

  async updateMe(ctx: RequestContext, patch: { firstName?: string | null; lastName?: string | null }): Promise<UserView> {
    const repo = this.db.getRepository(UserEntity);
    const user = await repo.findOneBy({ id: callerId(ctx) });
    if (!user) throw ApiError.unauthenticated('This user no longer exists');
    if (patch.firstName !== undefined) user.firstName = patch.firstName?.trim() || null;
    if (patch.lastName !== undefined) user.lastName = patch.lastName?.trim() || null;
    await repo.save(user);
    return toUserView(user, await this.activeMemberships(user.id));
  }

  /** Platform admins deactivate or reactivate a user; every credential of a deactivated user stops working. */
  async setStatus(ctx: RequestContext, id: number, status: 'active' | 'deactivated'): Promise<UserView> {
    if (!ctx.identity.isPlatformAdmin) throw ApiError.forbidden('Only platform admins can change a user status');
    if (id === callerId(ctx) && status === 'deactivated') {
      throw ApiError.conflict('You cannot deactivate yourself', 'self_deactivation');
    }
    const repo = this.db.getRepository(UserEntity);
    const user = await repo.findOneBy({ id });
    if (!user) throw ApiError.notFound('User not found');
    if (user.status !== status) {
      user.status = status;
      await repo.save(user);
      await this.events.publish(AuthEvents.userUpdated, { userId: id, status });
    }
    return toUserView(user, await this.activeMemberships(user.id));
  }

  /** The current organization, kept valid: cleared when the membership is gone. */
  async clearCurrentOrganization(manager: EntityManager, userId: number, organizationId: number): Promise<void> {
    await manager
      .getRepository(UserEntity)
      .update({ id: userId, currentOrganizationId: organizationId }, { currentOrganizationId: null });
  }

  async setCurrentOrganizationIfNone(manager: EntityManager, userId: number, organizationId: number): Promise<void> {
    await manager
      .getRepository(UserEntity)
      .update({ id: userId, currentOrganizationId: IsNull() }, { currentOrganizationId: organizationId });
  }
}
