import { AccessTokenView, AuthContracts, CreateTokenRequest, CreatedAccessToken, Principal, TOKEN_USED } from '@alien/auth/contracts';
import { RpcRequest } from '@alien/contracts';
import { Page, PageQuery } from '@alien/envelope';
import { RpcHandler } from '@alien/nest-rpc';
import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { TokensService } from './tokens.service';

@Controller()
export class TokensHandler {
  constructor(private readonly tokens: TokensService) {}

  @RpcHandler(AuthContracts.tokens.verify)
  verify(@Payload() req: RpcRequest<{ tokenHash: string }>): Promise<Principal> {
    return this.tokens.verify(req.data.tokenHash);
  }

  @RpcHandler(AuthContracts.tokens.create)
  create(@Payload() req: RpcRequest<CreateTokenRequest>): Promise<CreatedAccessToken> {
    return this.tokens.create(req.ctx, req.data);
  }

  @RpcHandler(AuthContracts.tokens.list)
  list(@Payload() req: RpcRequest<{ page: PageQuery }>): Promise<Page<AccessTokenView>> {
    return this.tokens.list(req.ctx, req.data.page);
  }

  @RpcHandler(AuthContracts.tokens.get)
  get(@Payload() req: RpcRequest<{ id: number }>): Promise<AccessTokenView> {
    return this.tokens.get(req.ctx, req.data.id);
  }

  @RpcHandler(AuthContracts.tokens.revoke)
  revoke(@Payload() req: RpcRequest<{ id: number }>): Promise<{ id: number; revoked: true }> {
    return this.tokens.revoke(req.ctx, req.data.id);
  }

  @EventPattern(TOKEN_USED.subject)
  touched(@Payload() payload: { tokenIds: number[] }): Promise<void> {
    return this.tokens.touch(Array.isArray(payload?.tokenIds) ? payload.tokenIds : []);
  }
}
