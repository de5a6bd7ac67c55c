import { RpcRequest } from '@alien/contracts';
import { Page } from '@alien/envelope';
import { RpcHandler } from '@alien/nest-rpc';
import {
  ClusterFields,
  ClusterListRequest,
  ClusterRef,
  ClusterRoute,
  ClusterUpdateRequest,
  ClusterView,
  DeletedCluster,
  OrchestrationContracts,
} from '@alien/orchestration/contracts';
import { BatchQuery, IdOrSlug } from '@alien/slug';
import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { ClusterAccessService } from './cluster-access.service';
import { toClusterRef } from './cluster-views';
import { ClustersService } from './clusters.service';

const C = OrchestrationContracts.clusters;

@Controller()
export class ClustersHandler {
  constructor(
    private readonly clusters: ClustersService,
    private readonly access: ClusterAccessService,
  ) {}

  @RpcHandler(C.list)
  list(@Payload() req: RpcRequest<ClusterListRequest>): Promise<Page<ClusterView>> {
    return this.clusters.list(req.ctx, req.data);
  }

  @RpcHandler(C.get)
  get(@Payload() req: RpcRequest<IdOrSlug>): Promise<ClusterView> {
    return this.clusters.get(req.ctx, req.data);
  }

  @RpcHandler(C.batch)
  batch(@Payload() req: RpcRequest<BatchQuery>): Promise<ClusterView[]> {
    return this.clusters.batch(req.ctx, req.data);
  }

  @RpcHandler(C.create)
  create(@Payload() req: RpcRequest<ClusterFields>): Promise<ClusterView> {
    return this.clusters.create(req.ctx, req.data);
  }

  @RpcHandler(C.update)
  update(@Payload() req: RpcRequest<ClusterUpdateRequest>): Promise<ClusterView> {
    return this.clusters.update(req.ctx, req.data.id, req.data.patch);
  }

  @RpcHandler(C.remove)
  remove(@Payload() req: RpcRequest<{ id: number }>): Promise<DeletedCluster> {
    return this.clusters.remove(req.ctx, req.data.id);
  }

  @RpcHandler(C.check)
  check(@Payload() req: RpcRequest<{ id: number }>): Promise<ClusterView> {
    return this.clusters.check(req.ctx, req.data.id);
  }

  @RpcHandler(C.visible)
  visible(@Payload() req: RpcRequest<{ ids: number[] }>): Promise<ClusterRef[]> {
    return this.clusters.visible(req.ctx, req.data.ids);
  }

  @RpcHandler(C.managed)
  async managed(@Payload() req: RpcRequest<{ id: number }>): Promise<ClusterRef> {
    return toClusterRef(await this.clusters.findManaged(req.ctx, req.data.id));
  }

  @RpcHandler(C.route)
  route(@Payload() req: RpcRequest<{ id: number }>): Promise<ClusterRoute> {
    return this.access.route(req.ctx.identity, req.data.id);
  }
}
