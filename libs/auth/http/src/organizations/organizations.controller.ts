import { AuthContracts, MEMBER_ORDER_BY, ORGANIZATION_ORDER_BY } from '@alien/auth/contracts';
import { ApiError, paginated, success } from '@alien/envelope';
import { RequestContext } from '@alien/identity';
import {
  ApiAction,
  ApiCreate,
  ApiDelete,
  ApiGetById,
  ApiGetBySlug,
  ApiList,
  ApiUpdate,
  Ctx,
  IdPipe,
  ListQuery,
  ListQueryPipe,
  SlugPipe,
  nonEmptyPatch,
} from '@alien/nest-http';
import { Body, Controller, Param, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { AuthClient } from '../auth.client';
import {
  CreateOrganizationDto,
  CreateOrganizationUserDto,
  InvitationDto,
  InviteMemberDto,
  MemberDto,
  OrganizationDto,
  RemovedMemberDto,
  UpdateMemberDto,
  UpdateOrganizationDto,
  UserDto,
} from '../dtos/auth.dto';

const organizationsQuery = new ListQueryPipe({ orderBy: ORGANIZATION_ORDER_BY, defaultOrderBy: 'name' });
const membersQuery = new ListQueryPipe({ orderBy: MEMBER_ORDER_BY, defaultOrderBy: 'createdAt' });

@ApiTags('organizations')
@Controller('organizations')
export class OrganizationsController {
  constructor(private readonly auth: AuthClient) {}

  @ApiList(OrganizationDto, { orderBy: ORGANIZATION_ORDER_BY, summary: 'Your organizations (only its own for an organization-restricted token)' })
  async list(@Query(organizationsQuery) query: ListQuery<typeof organizationsQuery>, @Ctx() ctx: RequestContext) {
    return paginated(await this.auth.call(AuthContracts.organizations.list, query, ctx));
  }

  @ApiCreate(OrganizationDto, { summary: 'Create an organization; you become its owner' })
  async create(@Body() body: CreateOrganizationDto, @Ctx() ctx: RequestContext) {
    return success(await this.auth.call(AuthContracts.organizations.create, body, ctx));
  }

  @ApiGetBySlug(OrganizationDto, { summary: 'One of your organizations by slug' })
  async bySlug(@Param('slug', SlugPipe) slug: string, @Ctx() ctx: RequestContext) {
    return success(await this.auth.call(AuthContracts.organizations.get, { slug }, ctx));
  }

  @ApiGetById(OrganizationDto, { summary: 'One of your organizations by id (404 when you are not a member)' })
  async byId(@Param('id', IdPipe) id: number, @Ctx() ctx: RequestContext) {
    return success(await this.auth.call(AuthContracts.organizations.get, { id }, ctx));
  }

  @ApiUpdate(OrganizationDto, { summary: 'Rename an organization or change its slug (owner, admin)' })
  async update(@Param('id', IdPipe) id: number, @Body() body: UpdateOrganizationDto, @Ctx() ctx: RequestContext) {
    return success(await this.auth.call(AuthContracts.organizations.update, { id, ...nonEmptyPatch(body) }, ctx));
  }

  @ApiDelete({ summary: 'Delete an organization (owner only); its tokens and memberships go with it' })
  async remove(@Param('id', IdPipe) id: number, @Ctx() ctx: RequestContext) {
    return success(await this.auth.call(AuthContracts.organizations.remove, { id }, ctx));
  }

  @ApiAction(UserDto, { path: ':id/switch', summary: 'Make this your current organization (you must be a member)' })
  async switch(@Param('id', IdPipe) id: number, @Ctx() ctx: RequestContext) {
    return success(await this.auth.call(AuthContracts.organizations.switch, { id }, ctx));
  }

  @ApiList(MemberDto, { path: ':id/members', orderBy: MEMBER_ORDER_BY, search: false, summary: 'Members of an organization (any member may look)' })
  async members(@Param('id', IdPipe) id: number, @Query(membersQuery) query: ListQuery<typeof membersQuery>, @Ctx() ctx: RequestContext) {
    return paginated(await this.auth.call(AuthContracts.members.list, { organizationId: id, page: query.page }, ctx));
  }

  @ApiGetById(MemberDto, { path: ':id/members/:userId', summary: 'One member of an organization (any member may look)' })
  async member(@Param('id', IdPipe) id: number, @Param('userId', IdPipe) userId: number, @Ctx() ctx: RequestContext) {
    return success(await this.auth.call(AuthContracts.members.get, { organizationId: id, userId }, ctx));
  }

  @ApiCreate(InvitationDto, {
    path: ':id/members',
    errors: [429],
    summary: 'Invite someone by email or userId (owner, admin; only owners invite owners): a pending invitation',
    description:
      'Nobody becomes a member until they accept (`POST /users/me/invitations/{id}/accept`). The answer is the same ' +
      '(201, an invitation echoing what you sent) whether or not the email or id belongs to anyone. 409 `already_member` ' +
      'when they already are a member; inviting the same person again renews the pending invitation. Invitations and ' +
      'managed accounts share an hourly budget per organization and per inviter (429 `invitation_rate_limited`).',
  })
  async invite(@Param('id', IdPipe) id: number, @Body() body: InviteMemberDto, @Ctx() ctx: RequestContext) {
    if (body.email !== undefined && body.userId !== undefined) {
      throw ApiError.invalid('email', 'exclusive', 'Give either email or userId, not both');
    }
    return success(await this.auth.call(AuthContracts.invitations.create, { organizationId: id, ...body }, ctx));
  }

  @ApiUpdate(MemberDto, {
    path: ':id/members/:userId',
    summary: 'Change a member role or deactivate/reactivate them (owner, admin)',
    description: 'Admins cannot touch owners; nobody changes their own membership; the last active owner stays (409).',
  })
  async updateMember(
    @Param('id', IdPipe) id: number,
    @Param('userId', IdPipe) userId: number,
    @Body() body: UpdateMemberDto,
    @Ctx() ctx: RequestContext,
  ) {
    return success(await this.auth.call(AuthContracts.members.update, { organizationId: id, userId, patch: nonEmptyPatch(body) }, ctx));
  }

  @ApiDelete(
    { path: ':id/members/:userId', errors: [409], summary: 'Remove a member (owner, admin) or leave (yourself); the last owner cannot go (409)' },
    RemovedMemberDto,
  )
  async removeMember(@Param('id', IdPipe) id: number, @Param('userId', IdPipe) userId: number, @Ctx() ctx: RequestContext) {
    return success(await this.auth.call(AuthContracts.members.remove, { organizationId: id, userId }, ctx));
  }

  @ApiCreate(MemberDto, {
    path: ':id/users',
    errors: [429],
    summary: 'Create a managed account (owner, admin): a new user who is a `client` member at once',
    description:
      'A `human` account needs an email; it is linked to the OIDC user who first signs in with that (verified) email. ' +
      'A `service` account is never linked. An email that is already a user\'s is refused (409 `email_unavailable`: ' +
      'invite that person instead); every attempt spends the hourly invitation budget (429 `invitation_rate_limited`).',
  })
  async createUser(@Param('id', IdPipe) id: number, @Body() body: CreateOrganizationUserDto, @Ctx() ctx: RequestContext) {
    return success(await this.auth.call(AuthContracts.organizationUsers.create, { organizationId: id, ...body }, ctx));
  }

  @ApiList(MemberDto, {
    path: ':id/users',
    orderBy: MEMBER_ORDER_BY,
    search: false,
    summary: 'Users of an organization with their emails and user type (owner, admin)',
  })
  async users(@Param('id', IdPipe) id: number, @Query(membersQuery) query: ListQuery<typeof membersQuery>, @Ctx() ctx: RequestContext) {
    return paginated(await this.auth.call(AuthContracts.organizationUsers.list, { organizationId: id, page: query.page }, ctx));
  }
}
