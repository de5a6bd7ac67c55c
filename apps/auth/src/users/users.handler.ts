import { AuthContracts, Principal, UserView } from '@alien/auth/contracts';
import { OidcClaims } from '@alien/identity';
import { RpcRequest } from '@alien/contracts';
import { RpcHandler } from '@alien/nest-rpc';
import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { UsersService } from './users.service';

@Controller()
export class UsersHandler {
  constructor(private readonly users: UsersService) {}

  @RpcHandler(AuthContracts.users.resolveOidc)
  resolveOidc(@Payload() req: RpcRequest<{ issuer: string; subject: string; claims: OidcClaims }>): Promise<Principal> {
    return this.users.resolveOidc(req.data.issuer, req.data.subject, req.data.claims ?? {});
  }

  @RpcHandler(AuthContracts.users.me)
  me(@Payload() req: RpcRequest<Record<string, never>>): Promise<UserView> {
    return this.users.me(req.ctx);
  }

  @RpcHandler(AuthContracts.users.updateMe)
  updateMe(@Payload() req: RpcRequest<{ firstName?: string | null; lastName?: string | null }>): Promise<UserView> {
    return this.users.updateMe(req.ctx, req.data);
  }

  @RpcHandler(AuthContracts.users.setStatus)
  setStatus(@Payload() req: RpcRequest<{ id: number; status: 'active' | 'deactivated' }>): Promise<UserView> {
    return this.users.setStatus(req.ctx, req.data.id, req.data.status);
  }
}
