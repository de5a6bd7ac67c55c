import { RpcRequest } from '@alien/contracts';
import { Page, PageQuery } from '@alien/envelope';
import { RpcHandler } from '@alien/nest-rpc';
import { ConnectorFields, ConnectorView, EndpointFields, EndpointView, ExternalApiContracts, UsageRequest, UsageSummary } from '@alien/proxy/contracts';
import { IdOrSlug } from '@alien/slug';
import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { ConnectorsService } from './connectors.service';
import { EndpointsService } from './endpoints.service';
import { UsageService } from './usage.service';

const C = ExternalApiContracts;

@Controller()
export class ExternalApisHandler {
  constructor(
    private readonly connectors: ConnectorsService,
    private readonly endpoints: EndpointsService,
    private readonly usage: UsageService,
  ) {}

  @RpcHandler(C.connectors.list)
  listConnectors(@Payload() req: RpcRequest<{ page: PageQuery<'id' | 'name' | 'slug' | 'createdAt'>; q?: string }>): Promise<Page<ConnectorView>> {
    return this.connectors.list(req.ctx, req.data);
  }

  @RpcHandler(C.connectors.get)
  getConnector(@Payload() req: RpcRequest<IdOrSlug>): Promise<ConnectorView> {
    return this.connectors.get(req.ctx, req.data);
  }

  @RpcHandler(C.connectors.create)
  createConnector(@Payload() req: RpcRequest<ConnectorFields>): Promise<ConnectorView> {
    return this.connectors.create(req.ctx, req.data);
  }

  @RpcHandler(C.connectors.update)
  updateConnector(@Payload() req: RpcRequest<{ id: number; patch: Partial<ConnectorFields> }>): Promise<ConnectorView> {
    return this.connectors.update(req.ctx, req.data.id, req.data.patch);
  }

  @RpcHandler(C.connectors.remove)
  removeConnector(@Payload() req: RpcRequest<{ id: number }>): Promise<{ id: number; deleted: true }> {
    return this.connectors.remove(req.ctx, req.data.id);
  }

  @RpcHandler(C.endpoints.list)
  listEndpoints(@Payload() req: RpcRequest<{ connectorId: number; page: PageQuery<'id' | 'operationId' | 'createdAt'> }>): Promise<Page<EndpointView>> {
    return this.endpoints.list(req.ctx, req.data.connectorId, req.data.page);
  }

  @RpcHandler(C.endpoints.get)
  getEndpoint(@Payload() req: RpcRequest<{ connectorId: number; id: number }>): Promise<EndpointView> {
    return this.endpoints.get(req.ctx, req.data.connectorId, req.data.id);
  }

  @RpcHandler(C.endpoints.create)
  createEndpoint(@Payload() req: RpcRequest<{ connectorId: number; fields: EndpointFields }>): Promise<EndpointView> {
    return this.endpoints.create(req.ctx, req.data.connectorId, req.data.fields);
  }

  @RpcHandler(C.endpoints.update)
  updateEndpoint(@Payload() req: RpcRequest<{ connectorId: number; id: number; patch: Partial<EndpointFields> }>): Promise<EndpointView> {
    return this.endpoints.update(req.ctx, req.data.connectorId, req.data.id, req.data.patch);
  }

  @RpcHandler(C.endpoints.remove)
  removeEndpoint(@Payload() req: RpcRequest<{ connectorId: number; id: number }>): Promise<{ id: number; deleted: true }> {
    return this.endpoints.remove(req.ctx, req.data.connectorId, req.data.id);
  }

  @RpcHandler(C.usage)
  usageSummary(@Payload() req: RpcRequest<UsageRequest>): Promise<UsageSummary> {
    return this.usage.summary(req.ctx, req.data);
  }
}
