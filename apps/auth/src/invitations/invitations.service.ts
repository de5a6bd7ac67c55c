import {
  AuthEvents,
  CreateInvitationRequest,
  INVITATION_ORDER_BY,
  InvitationStatus,
  InvitationView,
} from '@alien/auth/contracts';
import { ApiError, Page, PageQuery } from '@alien/envelope';
import { RequestContext } from '@alien/identity';
import { EventBus } from '@alien/nest-service';
import { findPage } from '@alien/persistence';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, SelectQueryBuilder } from 'typeorm';
import { OrganizationAccess, callerId } from '../shared/access';
import { InvitationEntity, MembershipEntity, OrganizationEntity, UserEntity } from '../shared/entities';
import { InvitationRateLimiter } from '../shared/rate-limit';
import { toInvitationView } from '../shared/views';
import { UsersService } from '../users/users.service';

/** How long an invitation can be accepted; inviting the same person again renews it. */
export const INVITATION_TTL_MS = 14 * 24 * 3600 * 1000;

const ORDER: Record<(typeof INVITATION_ORDER_BY)[number], string> = {
  createdAt: 'createdAt',
  expiresAt: 'expiresAt',
  id: 'id',
};

type Target = { userId: number; email: null } | { userId: null; email: string };

/** Who an invitation may reach: the user's id, or their email when it is verified (case-insensitive). */
function addressedTo<T extends object>(qb: SelectQueryBuilder<T>, user: UserEntity): SelectQueryBuilder<T> {
  const alias = qb.alias;
  if (user.email && user.emailVerified) {
    return qb.andWhere(`(${alias}.user_id = :me OR ${alias}.email = :myEmail)`, { me: user.id, myEmail: user.email.toLowerCase() });
  }
  return qb.andWhere(`${alias}.user_id = :me`, { me: user.id });
}

/**
 * Invitations (issue 7.1): owners and admins invite by email or user id; the invitee accepts or
 * declines. Creating one never looks the person up, so its answer cannot tell whether they exist.
 */
@Injectable()
export class InvitationsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly access: OrganizationAccess,
    private readonly users: UsersService,
    private readonly events: EventBus,
    private readonly limiter: InvitationRateLimiter,
  ) {}

  async create(ctx: RequestContext, req: CreateInvitationRequest): Promise<InvitationView> {
    const actor = await this.access.requireRole(ctx, req.organizationId, 'admin');
    if (req.role === 'owner' && actor.role !== 'owner') throw ApiError.forbidden('Only owners can invite owners');
    const target = this.target(req);
    await this.limiter.consume(req.organizationId, actor.userId);
    const saved = await this.db.transaction(async (m) => {
      // One pending invitation per organization and addressee: serialise concurrent invites of the same one.
      await m.query('SELECT pg_advisory_xact_lock(hashtext($1))', [
        `invitation:${req.organizationId}:${target.userId ?? `email:${target.email}`}`,
      ]);
      if (await this.isMember(m, req.organizationId, target)) {
        throw ApiError.conflict('This person is already a member of the organization', 'already_member');
      }
      const repo = m.getRepository(InvitationEntity);
      const expiresAt = new Date(Date.now() + INVITATION_TTL_MS);
      const pending = await repo.findOneBy(
        target.userId !== null
          ? { organizationId: req.organizationId, status: 'invited', userId: target.userId }
          : { organizationId: req.organizationId, status: 'invited', email: target.email },
      );
      if (!pending) {
        return repo.save(
          repo.create({ organizationId: req.organizationId, ...target, role: req.role, invitedBy: actor.userId, expiresAt }),
        );
      }
      if (pending.role === 'owner' && actor.role !== 'owner') {
        throw ApiError.forbidden('Only owners can change an invitation to become an owner');
      }
      pending.role = req.role;
      pending.invitedBy = actor.userId;
      pending.expiresAt = expiresAt;
      return repo.save(pending);
    });
    return toInvitationView(saved, await this.organizationName(req.organizationId));
  }

  /** An organization's invitations, for its owners and admins. */
  async list(ctx: RequestContext, organizationId: number, page: PageQuery, status?: InvitationStatus): Promise<Page<InvitationView>> {
    await this.access.requireRole(ctx, organizationId, 'admin');
    const qb = this.db
      .getRepository(InvitationEntity)
      .createQueryBuilder('i')
      .innerJoinAndSelect('i.organization', 'o')
      .where('i.organization_id = :organizationId', { organizationId });
    if (status === 'invited') qb.andWhere(`i.status = 'invited' AND i.expires_at > now()`);
    else if (status === 'expired') qb.andWhere(`i.status = 'invited' AND i.expires_at <= now()`);
    else if (status) qb.andWhere('i.status = :status', { status });
    return this.page(qb, page);
  }

  /** Owner/admin withdraw a pending invitation (only owners withdraw one to become an owner). */
  async revoke(ctx: RequestContext, organizationId: number, id: number): Promise<{ id: number; revoked: true }> {
    const actor = await this.access.requireRole(ctx, organizationId, 'admin');
    await this.db.transaction(async (m) => {
      const invitation = await m
        .getRepository(InvitationEntity)
        .createQueryBuilder('i')
        .setLock('pessimistic_write')
        .where('i.id = :id AND i.organization_id = :organizationId', { id, organizationId })
        .getOne();
      if (!invitation) throw ApiError.notFound('Invitation not found');
      if (invitation.status !== 'invited') {
        throw ApiError.conflict(`This invitation was already ${invitation.status}`, 'invitation_not_pending');
      }
      if (invitation.role === 'owner' && actor.role !== 'owner') {
        throw ApiError.forbidden('Only owners can revoke an invitation to become an owner');
      }
      await m.getRepository(InvitationEntity).update({ id }, { status: 'revoked', closedAt: new Date() });
    });
    return { id, revoked: true };
  }

  /**
   * The caller's pending, unexpired invitations: addressed to their user id, or to their email when it
   * is verified; none into an organization they already belong to; only the restricted one's for an
   * organization-restricted token.
   */
  async listMine(ctx: RequestContext, page: PageQuery): Promise<Page<InvitationView>> {
    const user = await this.me(this.db.manager, ctx);
    const qb = this.db
      .getRepository(InvitationEntity)
      .createQueryBuilder('i')
      .innerJoinAndSelect('i.organization', 'o')
      .where(`i.status = 'invited' AND i.expires_at > now()`)
      .andWhere(
        `NOT EXISTS (SELECT 1 FROM "auth"."memberships" m WHERE m.organization_id = i.organization_id AND m.user_id = :me)`,
        { me: user.id },
      );
    addressedTo(qb, user);
    this.restrict(qb, ctx);
    return this.page(qb, page);
  }

  /** Joins the organization with the invited role; the organization becomes current if there was none. */
  async accept(ctx: RequestContext, id: number): Promise<InvitationView> {
    const accepted = await this.db.transaction(async (m) => {
      const user = await this.me(m, ctx);
      const invitation = await this.lockMine(m, ctx, user, id);
      this.assertPending(invitation);
      if (invitation.expiresAt <= new Date()) {
        throw ApiError.conflict('This invitation has expired; ask for a new one', 'invitation_expired');
      }
      const memberships = m.getRepository(MembershipEntity);
      if (await memberships.existsBy({ organizationId: invitation.organizationId, userId: user.id })) {
        throw ApiError.conflict('You are already a member of this organization', 'already_member');
      }
      await memberships.save({ organizationId: invitation.organizationId, userId: user.id, role: invitation.role });
      await this.users.setCurrentOrganizationIfNone(m, user.id, invitation.organizationId);
      // This invitation, and any other one into the same organization that reached this user, is done.
      const closedAt = new Date();
      const siblings = m
        .getRepository(InvitationEntity)
        .createQueryBuilder('i')
        .select('i.id', 'id')
        .where(`i.organization_id = :organizationId AND i.status = 'invited'`, { organizationId: invitation.organizationId });
      addressedTo(siblings, user);
      const ids = (await siblings.getRawMany<{ id: number }>()).map((r) => r.id);
      await m.getRepository(InvitationEntity).update(ids.length ? ids : [invitation.id], { status: 'accepted', closedAt });
      return Object.assign(invitation, { status: 'accepted' as const, closedAt });
    });
    await this.events.publish(AuthEvents.memberAdded, {
      organizationId: accepted.organizationId,
      userId: callerId(ctx),
      role: accepted.role,
    });
    return toInvitationView(accepted, await this.organizationName(accepted.organizationId));
  }

  async decline(ctx: RequestContext, id: number): Promise<InvitationView> {
    const declined = await this.db.transaction(async (m) => {
      const invitation = await this.lockMine(m, ctx, await this.me(m, ctx), id);
      this.assertPending(invitation);
      const closedAt = new Date();
      await m.getRepository(InvitationEntity).update({ id }, { status: 'declined', closedAt });
      return Object.assign(invitation, { status: 'declined' as const, closedAt });
    });
    return toInvitationView(declined, await this.organizationName(declined.organizationId));
  }

  private target(req: CreateInvitationRequest): Target {
    if (req.userId !== undefined) return { userId: req.userId, email: null };
    const email = (req.email ?? '').trim().toLowerCase();
    if (!email) throw ApiError.invalid('email', 'required', 'Give an email or a userId');
    return { userId: null, email };
  }

  /** Only about this organization's own members, whom the inviter can list anyway. */
  private async isMember(m: EntityManager, organizationId: number, target: Target): Promise<boolean> {
    const qb = m
      .getRepository(MembershipEntity)
      .createQueryBuilder('m')
      .innerJoin('m.user', 'u')
      .where('m.organization_id = :organizationId', { organizationId });
    if (target.userId !== null) qb.andWhere('m.user_id = :userId', { userId: target.userId });
    else qb.andWhere('lower(u.email) = :email', { email: target.email });
    return qb.getExists();
  }

  private async me(m: EntityManager, ctx: RequestContext): Promise<UserEntity> {
    const user = await m.getRepository(UserEntity).findOneBy({ id: callerId(ctx) });
    if (!user) throw ApiError.unauthenticated('This user no longer exists');
    return user;
  }

  /** The invitation, locked, if it reached this user (and the token may act in its organization); else 404. */
  private async lockMine(m: EntityManager, ctx: RequestContext, user: UserEntity, id: number): Promise<InvitationEntity> {
    const qb = m
      .getRepository(InvitationEntity)
      .createQueryBuilder('i')
      .setLock('pessimistic_write')
      .where('i.id = :id', { id });
    addressedTo(qb, user);
    this.restrict(qb, ctx);
    const invitation = await qb.getOne();
    if (!invitation) throw ApiError.notFound('Invitation not found');
    return invitation;
  }

  private assertPending(invitation: InvitationEntity): void {
    if (invitation.status !== 'invited') {
      throw ApiError.conflict(`This invitation was already ${invitation.status}`, 'invitation_not_pending');
    }
  }

  private restrict<T extends object>(qb: SelectQueryBuilder<T>, ctx: RequestContext): void {
    const restricted = ctx.identity.restrictedOrganizationId;
    if (restricted !== null) qb.andWhere(`${qb.alias}.organization_id = :restricted`, { restricted });
  }

  private async page(qb: SelectQueryBuilder<InvitationEntity>, page: PageQuery): Promise<Page<InvitationView>> {
    const now = new Date();
    return findPage(qb, page, ORDER, (i) => toInvitationView(i, i.organization?.name ?? '', now));
  }

  private async organizationName(id: number): Promise<string> {
    const org = await this.db.getRepository(OrganizationEntity).findOneBy({ id });
    return org?.name ?? '';
  }
}
