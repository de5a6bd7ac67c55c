import { AuthContracts, MemberPatch, MemberView } from '@alien/auth/contracts';
import { RpcRequest } from '@alien/contracts';
import { Page, PageQuery } from '@alien/envelope';
import { RpcHandler } from '@alien/nest-rpc';
import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { MembersService } from './members.service';

@Controller()
export class MembersHandler {
  constructor(private readonly members: MembersService) {}

  @RpcHandler(AuthContracts.members.list)
  list(@Payload() req: RpcRequest<{ organizationId: number; page: PageQuery }>): Promise<Page<MemberView>> {
    return this.members.list(req.ctx, req.data.organizationId, req.data.page);
  }

  @RpcHandler(AuthContracts.members.get)
  get(@Payload() req: RpcRequest<{ organizationId: number; userId: number }>): Promise<MemberView> {
    return this.members.get(req.ctx, req.data.organizationId, req.data.userId);
  }

  @RpcHandler(AuthContracts.members.update)
  update(@Payload() req: RpcRequest<{ organizationId: number; userId: number; patch: MemberPatch }>): Promise<MemberView> {
    return this.members.update(req.ctx, req.data.organizationId, req.data.userId, req.data.patch);
  }

  @RpcHandler(AuthContracts.members.remove)
  remove(@Payload() req: RpcRequest<{ organizationId: number; userId: number }>): Promise<{ userId: number; removed: true }> {
    return this.members.remove(req.ctx, req.data.organizationId, req.data.userId);
  }
}
