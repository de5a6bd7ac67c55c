import { AuthEvents, ORGANIZATION_ORDER_BY, OrganizationView, UserView } from '@alien/auth/contracts';
import { ApiError, Page, PageQuery } from '@alien/envelope';
import { RequestContext } from '@alien/identity';
import { EventBus } from '@alien/nest-service';
import { findPage, likePattern, saveWithUniqueSlug } from '@alien/persistence';
import { IdOrSlug } from '@alien/slug';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { OrganizationAccess, callerId } from '../shared/access';
import { MembershipEntity, OrganizationEntity, UserEntity } from '../shared/entities';
import { toOrganizationView } from '../shared/views';
import { UsersService } from '../users/users.service';

const ORDER: Record<(typeof ORGANIZATION_ORDER_BY)[number], string> = {
  id: 'id',
  name: 'name',
  slug: 'slug',
  createdAt: 'createdAt',
};

@Injectable()
export class OrganizationsService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly access: OrganizationAccess,
    private readonly users: UsersService,
    private readonly events: EventBus,
  ) {}

  /** The caller's organizations (only the restricted one for a restricted token). */
  async list(ctx: RequestContext, page: PageQuery, q?: string): Promise<Page<OrganizationView>> {
    const userId = callerId(ctx);
    const qb = this.db
      .getRepository(OrganizationEntity)
      .createQueryBuilder('o')
      .innerJoin(MembershipEntity, 'm', 'm.organization_id = o.id AND m.user_id = :userId AND m.status = :active', {
        userId,
        active: 'active',
      })
      .addSelect('m.role', 'm_role');
    if (ctx.identity.restrictedOrganizationId !== null) {
      qb.andWhere('o.id = :restricted', { restricted: ctx.identity.restrictedOrganizationId });
    }
    if (q) qb.andWhere(`o.name ILIKE :q ESCAPE '\\'`, { q: likePattern(q) });
    const result = await findPage(qb, page, ORDER, (o) => o);
    const roles = await this.db
      .getRepository(MembershipEntity)
      .findBy({ userId, status: 'active' })
      .then((ms) => new Map(ms.map((m) => [m.organizationId, m.role])));
    return { ...result, items: result.items.map((o) => toOrganizationView(o, roles.get(o.id) ?? null)) };
  }

  async create(ctx: RequestContext, req: { name: string; slug?: string }): Promise<OrganizationView> {
    const userId = callerId(ctx);
    if (ctx.identity.restrictedOrganizationId !== null) {
      throw ApiError.forbidden('A token restricted to one organization cannot create organizations');
    }
    const orgs = this.db.getRepository(OrganizationEntity);
    const { org, membership } = await saveWithUniqueSlug(
      { explicit: req.slug, name: req.name, fallback: 'org', what: 'organization', isTaken: (slug) => orgs.existsBy({ slug }) },
      (slug) =>
        this.db.transaction(async (m) => {
          const org = await m.getRepository(OrganizationEntity).save({ name: req.name.trim(), slug, createdBy: userId });
          const membership = await m.getRepository(MembershipEntity).save({ organizationId: org.id, userId, role: 'owner' });
          await this.users.setCurrentOrganizationIfNone(m, userId, org.id);
          return { org, membership };
        }),
    );
    await this.events.publish(AuthEvents.memberAdded, { organizationId: org.id, userId, role: membership.role });
    return toOrganizationView(await this.reload(org.id), 'owner');
  }

  async get(ctx: RequestContext, key: IdOrSlug): Promise<OrganizationView> {
    const org = await this.db
      .getRepository(OrganizationEntity)
      .findOneBy('id' in key ? { id: key.id } : { slug: key.slug });
    if (!org) throw ApiError.notFound('Organization not found');
    const membership = await this.access.membership(ctx, org.id);
    return toOrganizationView(org, membership.role);
  }

  async update(ctx: RequestContext, req: { id: number; name?: string; slug?: string }): Promise<OrganizationView> {
    const membership = await this.access.requireRole(ctx, req.id, 'admin');
    const repo = this.db.getRepository(OrganizationEntity);
    const org = await this.reload(req.id);
    if (req.slug !== undefined && req.slug !== org.slug && (await repo.existsBy({ slug: req.slug }))) {
      throw ApiError.conflict(`The slug "${req.slug}" is taken`, 'slug_taken');
    }
    if (req.name !== undefined) org.name = req.name.trim();
    if (req.slug !== undefined) org.slug = req.slug;
    await repo.save(org);
    return toOrganizationView(org, membership.role);
  }

  /** Owner only. Memberships and tokens restricted to it go with it; other services react to the event. */
  async remove(ctx: RequestContext, id: number): Promise<{ id: number; deleted: true }> {
    await this.access.requireRole(ctx, id, 'owner');
    const memberUserIds = await this.db.transaction(async (m) => {
      const members = await m.getRepository(MembershipEntity).findBy({ organizationId: id });
      await m.getRepository(OrganizationEntity).delete({ id });
      return members.map((x) => x.userId);
    });
    await this.events.publish(AuthEvents.organizationDeleted, { organizationId: id, memberUserIds });
    return { id, deleted: true };
  }

  async switch(ctx: RequestContext, id: number): Promise<UserView> {
    const userId = callerId(ctx);
    await this.access.membership(ctx, id);
    await this.db.getRepository(UserEntity).update({ id: userId }, { currentOrganizationId: id });
    await this.events.publish(AuthEvents.userUpdated, { userId, status: 'active' });
    return this.users.me(ctx);
  }

  private async reload(id: number): Promise<OrganizationEntity> {
    const org = await this.db.getRepository(OrganizationEntity).findOneBy({ id });
    if (!org) throw ApiError.notFound('Organization not found');
    return org;
  }
}
