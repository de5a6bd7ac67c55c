import { AuthContracts, TOKEN_ORDER_BY } from '@alien/contracts';
import { ApiError, paginated, success } from '@alien/envelope';
import { ABILITIES, RequestContext } from '@alien/identity';
import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiEnvelope, ApiErrors, ApiPaginated } from '../docs/openapi';
import { Ctx } from '../http/request-context';
import { IdPipe, ListQueryPipe } from '../http/validation';
import { ServiceClients } from '../rpc/service-clients';
import { AccessTokenDto, CreateAccessTokenDto, CreatedAccessTokenDto } from './dtos/identity.dto';

const tokensQuery = new ListQueryPipe({ orderBy: TOKEN_ORDER_BY, defaultOrderBy: 'createdAt', defaultDirection: 'desc' });

@ApiTags('access tokens')
@ApiBearerAuth('bearer')
@Controller('access-tokens')
export class AccessTokensController {
  constructor(private readonly clients: ServiceClients) {}

  @Post()
  @ApiOperation({
    summary: 'Create an `oat_` API token — the secret is in this response only',
    description: [
      'Restricting a token to one organization is recommended and is the default: without `organizationId`',
      'the token is restricted to the organization this request acts in; `organizationId: null` makes it',
      'unrestricted. `abilities` defaults to `["read","write"]`; a `read` token gets 403 on every write.',
      'Each user may hold 50 active tokens; one more answers 409 `token_quota_exceeded`.',
    ].join(' '),
  })
  @ApiEnvelope(CreatedAccessTokenDto, { status: 201 })
  @ApiErrors(400, 401, 403, 404, 409, 415, 422)
  async create(@Body() body: CreateAccessTokenDto, @Ctx() ctx: RequestContext) {
    if (body.expiresAt !== undefined && body.expiresIn !== undefined) {
      throw ApiError.invalid('expiresIn', 'exclusive', 'Give either expiresAt or expiresIn, not both');
    }
    let expiresAt: string | null = null;
    if (body.expiresIn !== undefined) expiresAt = new Date(Date.now() + body.expiresIn * 1000).toISOString();
    else if (body.expiresAt !== undefined) {
      const at = Date.parse(body.expiresAt);
      if (!(at > Date.now())) throw ApiError.invalid('expiresAt', 'after', 'expiresAt must be in the future');
      expiresAt = new Date(at).toISOString();
    }
    const request = {
      name: body.name,
      abilities: body.abilities ?? [...ABILITIES],
      expiresAt,
      ...(body.organizationId !== undefined ? { organizationId: body.organizationId } : {}),
    };
    return success(await this.clients.auth.call(AuthContracts.tokens.create, request, ctx));
  }

  @Get()
  @ApiOperation({ summary: 'Your tokens (never the secrets)' })
  @ApiPaginated(AccessTokenDto)
  @ApiErrors(401, 422)
  async list(@Query(tokensQuery) query: ReturnType<typeof tokensQuery.transform>, @Ctx() ctx: RequestContext) {
    return paginated(await this.clients.auth.call(AuthContracts.tokens.list, { page: query.page }, ctx));
  }

  @Get(':id')
  @ApiOperation({ summary: 'One of your tokens (never the secret)' })
  @ApiEnvelope(AccessTokenDto)
  @ApiErrors(401, 404, 422)
  async get(@Param('id', IdPipe) id: number, @Ctx() ctx: RequestContext) {
    return success(await this.clients.auth.call(AuthContracts.tokens.get, { id }, ctx));
  }

  @Delete(':id')
  @HttpCode(200)
  @ApiOperation({ summary: 'Revoke one of your tokens; it stops working on every gateway within a second' })
  @ApiErrors(401, 403, 404, 422)
  async revoke(@Param('id', IdPipe) id: number, @Ctx() ctx: RequestContext) {
    return success(await this.clients.auth.call(AuthContracts.tokens.revoke, { id }, ctx));
  }
}
