import { AuthContracts, INVITATION_ORDER_BY, INVITATION_STATUSES, InvitationStatus } from '@alien/auth/contracts';
import { ApiError, paginated, success } from '@alien/envelope';
import { RequestContext } from '@alien/identity';
import { ApiAction, ApiDelete, ApiList, Ctx, IdPipe, ListQuery, ListQueryPipe } from '@alien/nest-http';
import { Controller, Param, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { AuthClient } from '../auth.client';
import { InvitationDto, RevokedInvitationDto } from '../dtos/auth.dto';

const invitationsQuery = new ListQueryPipe({ orderBy: INVITATION_ORDER_BY, defaultOrderBy: 'createdAt', defaultDirection: 'desc' });

function parseStatus(raw: unknown): InvitationStatus | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (typeof raw === 'string' && (INVITATION_STATUSES as readonly string[]).includes(raw)) return raw as InvitationStatus;
  throw ApiError.invalid('status', 'enum', `status must be one of: ${INVITATION_STATUSES.join(', ')}`);
}

/**
 * Invitations into organizations: the organization's side (owners and admins list and revoke them;
 * they are made with `POST /organizations/{id}/members`) and the invitee's side (see, accept, decline).
 */
@ApiTags('invitations')
@Controller()
export class InvitationsController {
  constructor(private readonly auth: AuthClient) {}

  @ApiList(InvitationDto, {
    path: 'organizations/:id/invitations',
    orderBy: INVITATION_ORDER_BY,
    search: false,
    query: [{ name: 'status', description: 'Only invitations with this status', enum: INVITATION_STATUSES }],
    summary: "An organization's invitations, newest first (owner, admin)",
  })
  async list(
    @Param('id', IdPipe) id: number,
    @Query(invitationsQuery) query: ListQuery<typeof invitationsQuery>,
    @Query('status') status: unknown,
    @Ctx() ctx: RequestContext,
  ) {
    const filter = parseStatus(status);
    return paginated(
      await this.auth.call(AuthContracts.invitations.list, { organizationId: id, page: query.page, ...(filter ? { status: filter } : {}) }, ctx),
    );
  }

  @ApiDelete(
    {
      path: 'organizations/:id/invitations/:invitationId',
      errors: [409],
      summary: 'Revoke a pending invitation (owner, admin; only owners revoke one to become an owner)',
    },
    RevokedInvitationDto,
  )
  async revoke(@Param('id', IdPipe) id: number, @Param('invitationId', IdPipe) invitationId: number, @Ctx() ctx: RequestContext) {
    return success(await this.auth.call(AuthContracts.invitations.revoke, { organizationId: id, id: invitationId }, ctx));
  }

  @ApiList(InvitationDto, {
    path: 'users/me/invitations',
    orderBy: INVITATION_ORDER_BY,
    search: false,
    summary: 'Your pending invitations: to your user id, or to your email when your sign-in provider verified it',
  })
  async mine(@Query(invitationsQuery) query: ListQuery<typeof invitationsQuery>, @Ctx() ctx: RequestContext) {
    return paginated(await this.auth.call(AuthContracts.invitations.listMine, { page: query.page }, ctx));
  }

  @ApiAction(InvitationDto, {
    path: 'users/me/invitations/:id/accept',
    errors: [409],
    summary: 'Accept an invitation: you become a member with its role (409 when expired, answered or already a member)',
  })
  async accept(@Param('id', IdPipe) id: number, @Ctx() ctx: RequestContext) {
    return success(await this.auth.call(AuthContracts.invitations.accept, { id }, ctx));
  }

  @ApiAction(InvitationDto, {
    path: 'users/me/invitations/:id/decline',
    errors: [409],
    summary: 'Decline an invitation (the organization sees it as declined)',
  })
  async decline(@Param('id', IdPipe) id: number, @Ctx() ctx: RequestContext) {
    return success(await this.auth.call(AuthContracts.invitations.decline, { id }, ctx));
  }
}
