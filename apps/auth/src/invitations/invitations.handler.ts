import { AuthContracts, CreateInvitationRequest, InvitationStatus, InvitationView } from '@alien/auth/contracts';
import { RpcRequest } from '@alien/contracts';
import { Page, PageQuery } from '@alien/envelope';
import { RpcHandler } from '@alien/nest-rpc';
import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { InvitationsService } from './invitations.service';

@Controller()
export class InvitationsHandler {
  constructor(private readonly invitations: InvitationsService) {}

  @RpcHandler(AuthContracts.invitations.create)
  create(@Payload() req: RpcRequest<CreateInvitationRequest>): Promise<InvitationView> {
    return this.invitations.create(req.ctx, req.data);
  }

  @RpcHandler(AuthContracts.invitations.list)
  list(
    @Payload() req: RpcRequest<{ organizationId: number; page: PageQuery; status?: InvitationStatus }>,
  ): Promise<Page<InvitationView>> {
    return this.invitations.list(req.ctx, req.data.organizationId, req.data.page, req.data.status);
  }

  @RpcHandler(AuthContracts.invitations.revoke)
  revoke(@Payload() req: RpcRequest<{ organizationId: number; id: number }>): Promise<{ id: number; revoked: true }> {
    return this.invitations.revoke(req.ctx, req.data.organizationId, req.data.id);
  }

  @RpcHandler(AuthContracts.invitations.listMine)
  listMine(@Payload() req: RpcRequest<{ page: PageQuery }>): Promise<Page<InvitationView>> {
    return this.invitations.listMine(req.ctx, req.data.page);
  }

  @RpcHandler(AuthContracts.invitations.accept)
  accept(@Payload() req: RpcRequest<{ id: number }>): Promise<InvitationView> {
    return this.invitations.accept(req.ctx, req.data.id);
  }

  @RpcHandler(AuthContracts.invitations.decline)
  decline(@Payload() req: RpcRequest<{ id: number }>): Promise<InvitationView> {
    return this.invitations.decline(req.ctx, req.data.id);
  }
}
