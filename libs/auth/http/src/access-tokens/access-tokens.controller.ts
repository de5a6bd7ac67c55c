import { AuthContracts, TOKEN_ORDER_BY } from '@alien/auth/contracts';
import { paginated, success } from '@alien/envelope';
import { RequestContext } from '@alien/identity';
import { ApiCreate, ApiDelete, ApiGetById, ApiList, Ctx, IdPipe, ListQuery, ListQueryPipe } from '@alien/nest-http';
import { Body, Controller, Param, Query } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { AuthClient } from '../auth.client';
import { AccessTokenDto, CreateAccessTokenDto, CreatedAccessTokenDto, RevokedAccessTokenDto } from '../dtos/auth.dto';

const tokensQuery = new ListQueryPipe({ orderBy: TOKEN_ORDER_BY, defaultOrderBy: 'createdAt', defaultDirection: 'desc' });

@ApiTags('access tokens')
@Controller('access-tokens')
export class AccessTokensController {
  constructor(private readonly auth: AuthClient) {}

  @ApiCreate(CreatedAccessTokenDto, {
    errors: [404],
    summary: 'Create an `oat_` API token — the secret is in this response only',
    description: [
      'Restricting a token to one organization is recommended and is the default: without `organizationId`',
      'the token is restricted to the organization this request acts in; `organizationId: null` makes it',
      'unrestricted. `abilities` defaults to `["read","write"]`; a `read` token gets 403 on every write.',
      'Each user may hold 50 active tokens; one more answers 409 `token_quota_exceeded`.',
    ].join(' '),
  })
  async create(@Body() body: CreateAccessTokenDto, @Ctx() ctx: RequestContext) {
    return success(await this.auth.call(AuthContracts.tokens.create, body, ctx));
  }

  @ApiList(AccessTokenDto, { orderBy: TOKEN_ORDER_BY, search: false, summary: 'Your tokens (never the secrets)' })
  async list(@Query(tokensQuery) query: ListQuery<typeof tokensQuery>, @Ctx() ctx: RequestContext) {
    return paginated(await this.auth.call(AuthContracts.tokens.list, { page: query.page }, ctx));
  }

  @ApiGetById(AccessTokenDto, { summary: 'One of your tokens (never the secret)' })
  async get(@Param('id', IdPipe) id: number, @Ctx() ctx: RequestContext) {
    return success(await this.auth.call(AuthContracts.tokens.get, { id }, ctx));
  }

  @ApiDelete({ summary: 'Revoke one of your tokens; it stops working on every gateway within a second' }, RevokedAccessTokenDto)
  async revoke(@Param('id', IdPipe) id: number, @Ctx() ctx: RequestContext) {
    return success(await this.auth.call(AuthContracts.tokens.revoke, { id }, ctx));
  }
}
