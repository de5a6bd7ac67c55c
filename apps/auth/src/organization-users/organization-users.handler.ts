import { AuthContracts, CreateManagedUserRequest, MemberView } from '@alien/auth/contracts';
import { RpcRequest } from '@alien/contracts';
import { Page, PageQuery } from '@alien/envelope';
import { RpcHandler } from '@alien/nest-rpc';
import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { OrganizationUsersService } from './organization-users.service';

@Controller()
export class OrganizationUsersHandler {
  constructor(private readonly users: OrganizationUsersService) {}

  @RpcHandler(AuthContracts.organizationUsers.create)
  create(@Payload() req: RpcRequest<CreateManagedUserRequest>): Promise<MemberView> {
    return this.users.create(req.ctx, req.data);
  }

  @RpcHandler(AuthContracts.organizationUsers.list)
  list(@Payload() req: RpcRequest<{ organizationId: number; page: PageQuery }>): Promise<Page<MemberView>> {
    return this.users.list(req.ctx, req.data.organizationId, req.data.page);
  }
}
