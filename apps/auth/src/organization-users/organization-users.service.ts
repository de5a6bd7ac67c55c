import { AuthEvents, CreateManagedUserRequest, MemberView } from '@alien/auth/contracts';
import { ApiError, Page, PageQuery } from '@alien/envelope';
import { RequestContext } from '@alien/identity';
import { EventBus } from '@alien/nest-service';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { MembersService } from '../members/members.service';
import { OrganizationAccess } from '../shared/access';
import { MembershipEntity, UserEntity } from '../shared/entities';
import { InvitationRateLimiter } from '../shared/rate-limit';
import { toMemberView } from '../shared/views';
import { UsersService } from '../users/users.service';

const clip = (value: string | null | undefined) => value?.trim() || null;

/**
 * Managed accounts (issue 7.1): users an organization creates itself. They are members at once, with
 * the role `client`. A human one is linked to the OIDC subject that first signs in with that email
 * (when the provider vouches for it); a service one never is.
 */
@Injectable()
export class OrganizationUsersService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly access: OrganizationAccess,
    private readonly members: MembersService,
    private readonly users: UsersService,
    private readonly events: EventBus,
    private readonly limiter: InvitationRateLimiter,
  ) {}

  async create(ctx: RequestContext, req: CreateManagedUserRequest): Promise<MemberView> {
    const actor = await this.access.requireRole(ctx, req.organizationId, 'admin');
    const email = req.email?.trim().toLowerCase() || null;
    if (req.userType === 'human' && !email) throw ApiError.invalid('email', 'required', 'A human account needs an email');
    // Counted before the email is looked at: a 409 below tells that the email is in use, so every
    // attempt spends the same hourly budget as invitations.
    await this.limiter.consume(req.organizationId, actor.userId);
    const membership = await this.db.transaction(async (m) => {
      const users = m.getRepository(UserEntity);
      if (email && (await users.createQueryBuilder('u').where('lower(u.email) = :email', { email }).getExists())) {
        throw ApiError.conflict(
          'This email cannot be used for a new account. To add the person who uses it, invite them: POST /organizations/{id}/members',
          'email_unavailable',
        );
      }
      const user = await users.save(
        users.create({
          email,
          firstName: clip(req.firstName),
          lastName: clip(req.lastName),
          userType: req.userType,
          // Nobody has proven they read this mailbox: invitations to it do not reach the account.
          emailVerified: false,
        }),
      );
      await m.getRepository(MembershipEntity).save({ organizationId: req.organizationId, userId: user.id, role: 'client' as const });
      await this.users.setCurrentOrganizationIfNone(m, user.id, req.organizationId);
      return m
        .getRepository(MembershipEntity)
        .findOneOrFail({ where: { organizationId: req.organizationId, userId: user.id }, relations: { user: true } });
    });
    await this.events.publish(AuthEvents.memberAdded, {
      organizationId: req.organizationId,
      userId: membership.userId,
      role: membership.role,
    });
    return toMemberView(membership);
  }

  /** Members with their emails and user type, for owners and admins. */
  async list(ctx: RequestContext, organizationId: number, page: PageQuery): Promise<Page<MemberView>> {
    await this.access.requireRole(ctx, organizationId, 'admin');
    return this.members.page(organizationId, page);
  }
}
