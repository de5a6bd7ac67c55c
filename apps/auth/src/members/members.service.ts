import { AuthEvents, MEMBER_ORDER_BY, MemberPatch, MemberView } from '@alien/auth/contracts';
import { ApiError, Page, PageQuery } from '@alien/envelope';
import { RequestContext } from '@alien/identity';
import { EventBus } from '@alien/nest-service';
import { findPage } from '@alien/persistence';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { OrganizationAccess, callerId } from '../shared/access';
import { MembershipEntity } from '../shared/entities';
import { toMemberView } from '../shared/views';
import { UsersService } from '../users/users.service';

const ORDER: Record<(typeof MEMBER_ORDER_BY)[number], string> = {
  createdAt: 'createdAt',
  email: 'user.email',
  role: 'role',
  userId: 'userId',
};

@Injectable()
export class MembersService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly access: OrganizationAccess,
    private readonly users: UsersService,
    private readonly events: EventBus,
  ) {}

  /** Members with their emails: for fellow members only. */
  async list(ctx: RequestContext, organizationId: number, page: PageQuery): Promise<Page<MemberView>> {
    await this.access.membership(ctx, organizationId);
    return this.page(organizationId, page);
  }

  /** One page of an organization's members; the caller has checked access. */
  async page(organizationId: number, page: PageQuery): Promise<Page<MemberView>> {
    const qb = this.db
      .getRepository(MembershipEntity)
      .createQueryBuilder('m')
      .leftJoinAndSelect('m.user', 'user')
      .where('m.organization_id = :organizationId', { organizationId });
    if (page.orderBy === 'email') {
      qb.orderBy('user.email', page.direction === 'desc' ? 'DESC' : 'ASC').addOrderBy('m.id', 'ASC');
      qb.skip((page.page - 1) * page.perPage).take(page.perPage);
      const [rows, total] = await qb.getManyAndCount();
      return { items: rows.map(toMemberView), total, page: page.page, perPage: page.perPage };
    }
    return findPage(qb, page, ORDER, toMemberView);
  }

  /** One member, for fellow members (a stranger gets 404 for the organization, never the member). */
  async get(ctx: RequestContext, organizationId: number, userId: number): Promise<MemberView> {
    await this.access.membership(ctx, organizationId);
    const member = await this.db
      .getRepository(MembershipEntity)
      .findOne({ where: { organizationId, userId }, relations: { user: true } });
    if (!member) throw ApiError.notFound('Member not found');
    return toMemberView(member);
  }

  async update(ctx: RequestContext, organizationId: number, userId: number, patch: MemberPatch): Promise<MemberView> {
    const actor = await this.access.requireRole(ctx, organizationId, 'admin');
    if (userId === callerId(ctx)) throw ApiError.forbidden('You cannot change your own membership');
    const updated = await this.db.transaction(async (m) => {
      const target = await this.lockTarget(m, organizationId, userId);
      if (actor.role !== 'owner' && (target.role === 'owner' || patch.role === 'owner')) {
        throw ApiError.forbidden('Only owners can change owners or make new ones');
      }
      const losesOwner =
        target.role === 'owner' &&
        target.status === 'active' &&
        ((patch.role !== undefined && patch.role !== 'owner') || patch.status === 'deactivated');
      if (losesOwner) await this.assertAnotherOwner(m, organizationId, userId);
      if (patch.role !== undefined) target.role = patch.role;
      if (patch.status !== undefined) target.status = patch.status;
      await m.getRepository(MembershipEntity).save(target);
      if (target.status !== 'active') await this.users.clearCurrentOrganization(m, userId, organizationId);
      return this.load(m, organizationId, userId);
    });
    await this.events.publish(AuthEvents.memberUpdated, {
      organizationId,
      userId,
      role: updated.role,
      status: updated.status,
    });
    return toMemberView(updated);
  }

  /** Owner/admin remove a member; anyone may leave. The last active owner cannot go. */
  async remove(ctx: RequestContext, organizationId: number, userId: number): Promise<{ userId: number; removed: true }> {
    const self = userId === callerId(ctx);
    const actor = self
      ? await this.access.membership(ctx, organizationId)
      : await this.access.requireRole(ctx, organizationId, 'admin');
    await this.db.transaction(async (m) => {
      const target = await this.lockTarget(m, organizationId, userId);
      if (!self && actor.role !== 'owner' && target.role === 'owner') {
        throw ApiError.forbidden('Only owners can remove owners');
      }
      if (target.role === 'owner' && target.status === 'active') await this.assertAnotherOwner(m, organizationId, userId);
      await m.getRepository(MembershipEntity).delete({ id: target.id });
      await this.users.clearCurrentOrganization(m, userId, organizationId);
    });
    await this.events.publish(AuthEvents.memberRemoved, { organizationId, userId });
    return { userId, removed: true };
  }

  private async lockTarget(m: EntityManager, organizationId: number, userId: number): Promise<MembershipEntity> {
    // Lock the organization's memberships so two concurrent demotions cannot remove the last owner.
    await m.query('SELECT id FROM "auth"."memberships" WHERE organization_id = $1 FOR UPDATE', [organizationId]);
    const target = await m.getRepository(MembershipEntity).findOneBy({ organizationId, userId });
    if (!target) throw ApiError.notFound('Member not found');
    return target;
  }

  private async assertAnotherOwner(m: EntityManager, organizationId: number, userId: number): Promise<void> {
    const others = await m
      .getRepository(MembershipEntity)
      .createQueryBuilder('m')
      .where('m.organization_id = :organizationId AND m.role = :owner AND m.status = :active AND m.user_id <> :userId', {
        organizationId,
        owner: 'owner',
        active: 'active',
        userId,
      })
      .getCount();
    if (others === 0) {
      throw ApiError.conflict('An organization needs at least one active owner', 'last_owner');
    }
  }

  private async load(m: EntityManager, organizationId: number, userId: number) {
    return m
      .getRepository(MembershipEntity)
      .findOneOrFail({ where: { organizationId, userId }, relations: { user: true } });
  }
}
