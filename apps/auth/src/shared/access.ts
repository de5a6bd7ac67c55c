import { ApiError } from '@alien/envelope';
import { RequestContext, Role, roleAtLeast } from '@alien/identity';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { MembershipEntity } from './entities';

/** The calling user's id; services are reached only by authenticated routes for these operations. */
export function callerId(ctx: RequestContext): number {
  const id = ctx.identity.userId;
  if (id === null) throw ApiError.unauthenticated('Authentication required');
  return id;
}

/**
 * Organization access rules, in one place: a caller sees an organization only through an active
 * membership (and inside its token's restriction); anything else is 404 so existence is never
 * confirmed. Sufficient visibility but too small a role is 403.
 */
@Injectable()
export class OrganizationAccess {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  async membership(ctx: RequestContext, organizationId: number): Promise<MembershipEntity> {
    const userId = callerId(ctx);
    const restricted = ctx.identity.restrictedOrganizationId;
    if (restricted !== null && restricted !== organizationId) throw ApiError.notFound('Organization not found');
    const membership = await this.db
      .getRepository(MembershipEntity)
      .findOneBy({ organizationId, userId, status: 'active' });
    if (!membership) throw ApiError.notFound('Organization not found');
    return membership;
  }

  async requireRole(ctx: RequestContext, organizationId: number, minimum: Role): Promise<MembershipEntity> {
    const membership = await this.membership(ctx, organizationId);
    if (!roleAtLeast(membership.role, minimum) || membership.role === 'client') {
      throw ApiError.forbidden(`This needs the ${minimum} role or higher`);
    }
    return membership;
  }
}
