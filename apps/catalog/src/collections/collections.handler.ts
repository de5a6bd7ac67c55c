import {
  CatalogContracts,
  CollectionGetRequest,
  CollectionListRequest,
  CollectionRoutingView,
  CollectionView,
  CollectionWrite,
  DatasetOrderBy,
  DatasetView,
  DeletedReply,
  ListRequest,
} from '@alien/catalog/contracts';
import { RpcRequest } from '@alien/contracts';
import { Page } from '@alien/envelope';
import { RpcHandler } from '@alien/nest-rpc';
import { BatchQuery } from '@alien/slug';
import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { CollectionsService } from './collections.service';

const rpc = CatalogContracts.collections;

@Controller()
export class CollectionsHandler {
  constructor(private readonly collections: CollectionsService) {}

  @RpcHandler(rpc.list)
  list(@Payload() req: RpcRequest<CollectionListRequest>): Promise<Page<CollectionView>> {
    return this.collections.list(req.ctx, req.data);
  }

  @RpcHandler(rpc.get)
  get(@Payload() req: RpcRequest<CollectionGetRequest>): Promise<CollectionView> {
    return this.collections.get(req.ctx, req.data);
  }

  @RpcHandler(rpc.batch)
  batch(@Payload() req: RpcRequest<BatchQuery>): Promise<CollectionView[]> {
    return this.collections.batch(req.ctx, req.data);
  }

  @RpcHandler(rpc.create)
  create(@Payload() req: RpcRequest<CollectionWrite>): Promise<CollectionView> {
    return this.collections.create(req.ctx, req.data);
  }

  @RpcHandler(rpc.update)
  update(@Payload() req: RpcRequest<{ id: number; patch: Partial<CollectionWrite> }>): Promise<CollectionView> {
    return this.collections.update(req.ctx, req.data.id, req.data.patch);
  }

  @RpcHandler(rpc.remove)
  remove(@Payload() req: RpcRequest<{ id: number }>): Promise<DeletedReply> {
    return this.collections.remove(req.ctx, req.data.id);
  }

  @RpcHandler(rpc.listDatasets)
  listDatasets(@Payload() req: RpcRequest<ListRequest<DatasetOrderBy, { id: number }>>): Promise<Page<DatasetView>> {
    return this.collections.listDatasets(req.ctx, req.data);
  }

  @RpcHandler(rpc.addDatasets)
  addDatasets(@Payload() req: RpcRequest<{ id: number; datasetIds: number[] }>): Promise<CollectionView> {
    return this.collections.addDatasets(req.ctx, req.data.id, req.data.datasetIds);
  }

  @RpcHandler(rpc.removeDataset)
  removeDataset(@Payload() req: RpcRequest<{ id: number; datasetId: number }>): Promise<CollectionView> {
    return this.collections.removeDataset(req.ctx, req.data.id, req.data.datasetId);
  }

  @RpcHandler(rpc.routing)
  routing(@Payload() req: RpcRequest<{ id: number }>): Promise<CollectionRoutingView> {
    return this.collections.routing(req.ctx, req.data.id);
  }
}
