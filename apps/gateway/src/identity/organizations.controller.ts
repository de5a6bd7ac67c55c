import { AuthContracts, MEMBER_ORDER_BY, ORGANIZATION_ORDER_BY } from '@alien/contracts';
import { ApiError, paginated, success } from '@alien/envelope';
import { RequestContext } from '@alien/identity';
import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { ApiEnvelope, ApiErrors, ApiPaginated, DeletedDto } from '../docs/openapi';
import { Ctx } from '../http/request-context';
import { IdPipe, ListQueryPipe, SlugPipe } from '../http/validation';
import { ServiceClients } from '../rpc/service-clients';
import {
  AddMemberDto,
  CreateOrganizationDto,
  MemberDto,
  OrganizationDto,
  UpdateMemberDto,
  UpdateOrganizationDto,
  UserDto,
} from './dtos/identity.dto';

const organizationsQuery = new ListQueryPipe({ orderBy: ORGANIZATION_ORDER_BY, defaultOrderBy: 'name' });
const membersQuery = new ListQueryPipe({ orderBy: MEMBER_ORDER_BY, defaultOrderBy: 'createdAt' });

function nonEmpty(body: object): void {
  if (Object.keys(body).length === 0) throw ApiError.invalid('body', 'required', 'Send at least one field to change');
}

@ApiTags('organizations')
@ApiBearerAuth('bearer')
@Controller('organizations')
export class OrganizationsController {
  constructor(private readonly clients: ServiceClients) {}

  @Get()
  @ApiOperation({ summary: 'Your organizations (only its own for an organization-restricted token)' })
  @ApiQuery({ name: 'q', required: false, schema: { type: 'string', maxLength: 200 } })
  @ApiQuery({ name: 'page', required: false })
  @ApiQuery({ name: 'perPage', required: false })
  @ApiQuery({ name: 'orderBy', required: false, enum: ORGANIZATION_ORDER_BY })
  @ApiQuery({ name: 'direction', required: false, enum: ['asc', 'desc'] })
  @ApiPaginated(OrganizationDto)
  @ApiErrors(401, 422)
  async list(@Query(organizationsQuery) query: ReturnType<typeof organizationsQuery.transform>, @Ctx() ctx: RequestContext) {
    return paginated(await this.clients.auth.call(AuthContracts.organizations.list, query, ctx));
  }

  @Post()
  @ApiOperation({ summary: 'Create an organization; you become its owner' })
  @ApiEnvelope(OrganizationDto, { status: 201 })
  @ApiErrors(400, 401, 403, 409, 415, 422)
  async create(@Body() body: CreateOrganizationDto, @Ctx() ctx: RequestContext) {
    return success(await this.clients.auth.call(AuthContracts.organizations.create, body, ctx));
  }

  @Get('slug/:slug')
  @ApiOperation({ summary: 'One of your organizations by slug' })
  @ApiEnvelope(OrganizationDto)
  @ApiErrors(401, 404, 422)
  async bySlug(@Param('slug', SlugPipe) slug: string, @Ctx() ctx: RequestContext) {
    return success(await this.clients.auth.call(AuthContracts.organizations.get, { slug }, ctx));
  }

  @Get(':id')
  @ApiOperation({ summary: 'One of your organizations by id (404 when you are not a member)' })
  @ApiEnvelope(OrganizationDto)
  @ApiErrors(401, 404, 422)
  async byId(@Param('id', IdPipe) id: number, @Ctx() ctx: RequestContext) {
    return success(await this.clients.auth.call(AuthContracts.organizations.get, { id }, ctx));
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Rename an organization or change its slug (owner, admin)' })
  @ApiEnvelope(OrganizationDto)
  @ApiErrors(400, 401, 403, 404, 409, 415, 422)
  async update(@Param('id', IdPipe) id: number, @Body() body: UpdateOrganizationDto, @Ctx() ctx: RequestContext) {
    nonEmpty(body);
    return success(await this.clients.auth.call(AuthContracts.organizations.update, { id, ...body }, ctx));
  }

  @Delete(':id')
  @HttpCode(200)
  @ApiOperation({ summary: 'Delete an organization (owner only); its tokens and memberships go with it' })
  @ApiEnvelope(DeletedDto)
  @ApiErrors(401, 403, 404, 422)
  async remove(@Param('id', IdPipe) id: number, @Ctx() ctx: RequestContext) {
    return success(await this.clients.auth.call(AuthContracts.organizations.remove, { id }, ctx));
  }

  @Post(':id/switch')
  @HttpCode(200)
  @ApiOperation({ summary: 'Make this your current organization (you must be a member)' })
  @ApiEnvelope(UserDto)
  @ApiErrors(401, 404, 422)
  async switch(@Param('id', IdPipe) id: number, @Ctx() ctx: RequestContext) {
    return success(await this.clients.auth.call(AuthContracts.organizations.switch, { id }, ctx));
  }

  @Get(':id/members')
  @ApiOperation({ summary: 'Members of an organization (any member may look)' })
  @ApiQuery({ name: 'orderBy', required: false, enum: MEMBER_ORDER_BY })
  @ApiPaginated(MemberDto)
  @ApiErrors(401, 404, 422)
  async members(
    @Param('id', IdPipe) id: number,
    @Query(membersQuery) query: ReturnType<typeof membersQuery.transform>,
    @Ctx() ctx: RequestContext,
  ) {
    return paginated(await this.clients.auth.call(AuthContracts.members.list, { organizationId: id, page: query.page }, ctx));
  }

  @Post(':id/members')
  @ApiOperation({
    summary: 'Add a member by userId or email (owner, admin; only owners add owners)',
    description: 'An email nobody uses yet invites that person: they join at their first OIDC sign-in.',
  })
  @ApiEnvelope(MemberDto, { status: 201 })
  @ApiErrors(400, 401, 403, 404, 409, 415, 422)
  async addMember(@Param('id', IdPipe) id: number, @Body() body: AddMemberDto, @Ctx() ctx: RequestContext) {
    if (body.email !== undefined && body.userId !== undefined) {
      throw ApiError.invalid('email', 'exclusive', 'Give either email or userId, not both');
    }
    return success(await this.clients.auth.call(AuthContracts.members.add, { organizationId: id, ...body }, ctx));
  }

  @Patch(':id/members/:userId')
  @ApiOperation({
    summary: 'Change a member role or deactivate/reactivate them (owner, admin)',
    description: 'Admins cannot touch owners; nobody changes their own membership; the last active owner stays (409).',
  })
  @ApiEnvelope(MemberDto)
  @ApiErrors(400, 401, 403, 404, 409, 415, 422)
  async updateMember(
    @Param('id', IdPipe) id: number,
    @Param('userId', IdPipe) userId: number,
    @Body() body: UpdateMemberDto,
    @Ctx() ctx: RequestContext,
  ) {
    nonEmpty(body);
    return success(await this.clients.auth.call(AuthContracts.members.update, { organizationId: id, userId, patch: body }, ctx));
  }

  @Delete(':id/members/:userId')
  @HttpCode(200)
  @ApiOperation({ summary: 'Remove a member (owner, admin) or leave (yourself); the last owner cannot go (409)' })
  @ApiErrors(401, 403, 404, 409, 422)
  async removeMember(@Param('id', IdPipe) id: number, @Param('userId', IdPipe) userId: number, @Ctx() ctx: RequestContext) {
    return success(await this.clients.auth.call(AuthContracts.members.remove, { organizationId: id, userId }, ctx));
  }
}
