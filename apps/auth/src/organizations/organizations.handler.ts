import { AuthContracts, OrganizationView, UserView } from '@alien/auth/contracts';
import { RpcRequest } from '@alien/contracts';
import { Page, PageQuery } from '@alien/envelope';
import { RpcHandler } from '@alien/nest-rpc';
import { IdOrSlug } from '@alien/slug';
import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { OrganizationsService } from './organizations.service';

@Controller()
export class OrganizationsHandler {
  constructor(private readonly organizations: OrganizationsService) {}

  @RpcHandler(AuthContracts.organizations.list)
  list(@Payload() req: RpcRequest<{ page: PageQuery; q?: string }>): Promise<Page<OrganizationView>> {
    return this.organizations.list(req.ctx, req.data.page, req.data.q);
  }

  @RpcHandler(AuthContracts.organizations.create)
  create(@Payload() req: RpcRequest<{ name: string; slug?: string }>): Promise<OrganizationView> {
    return this.organizations.create(req.ctx, req.data);
  }

  @RpcHandler(AuthContracts.organizations.get)
  get(@Payload() req: RpcRequest<IdOrSlug>): Promise<OrganizationView> {
    return this.organizations.get(req.ctx, req.data);
  }

  @RpcHandler(AuthContracts.organizations.update)
  update(@Payload() req: RpcRequest<{ id: number; name?: string; slug?: string }>): Promise<OrganizationView> {
    return this.organizations.update(req.ctx, req.data);
  }

  @RpcHandler(AuthContracts.organizations.remove)
  remove(@Payload() req: RpcRequest<{ id: number }>): Promise<{ id: number; deleted: true }> {
    return this.organizations.remove(req.ctx, req.data.id);
  }

  @RpcHandler(AuthContracts.organizations.switch)
  switch(@Payload() req: RpcRequest<{ id: number }>): Promise<UserView> {
    return this.organizations.switch(req.ctx, req.data.id);
  }
}
