import {
  CatalogContracts,
  DatasetGetRequest,
  DatasetListRequest,
  DatasetPatch,
  DatasetView,
  DatasetWrite,
  DeletedReply,
} from '@alien/catalog/contracts';
import { RpcRequest } from '@alien/contracts';
import { Page } from '@alien/envelope';
import { RpcHandler } from '@alien/nest-rpc';
import { BatchQuery } from '@alien/slug';
import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { DatasetsService } from './datasets.service';

const rpc = CatalogContracts.datasets;

@Controller()
export class DatasetsHandler {
  constructor(private readonly datasets: DatasetsService) {}

  @RpcHandler(rpc.list)
  list(@Payload() req: RpcRequest<DatasetListRequest>): Promise<Page<DatasetView>> {
    return this.datasets.list(req.ctx, req.data);
  }

  @RpcHandler(rpc.get)
  get(@Payload() req: RpcRequest<DatasetGetRequest>): Promise<DatasetView> {
    return this.datasets.get(req.ctx, req.data);
  }

  @RpcHandler(rpc.batch)
  batch(@Payload() req: RpcRequest<BatchQuery>): Promise<DatasetView[]> {
    return this.datasets.batch(req.ctx, req.data);
  }

  @RpcHandler(rpc.create)
  create(@Payload() req: RpcRequest<DatasetWrite>): Promise<DatasetView> {
    return this.datasets.create(req.ctx, req.data);
  }

  @RpcHandler(rpc.update)
  update(@Payload() req: RpcRequest<{ id: number; patch: DatasetPatch }>): Promise<DatasetView> {
    return this.datasets.update(req.ctx, req.data.id, req.data.patch);
  }

  @RpcHandler(rpc.remove)
  remove(@Payload() req: RpcRequest<{ id: number }>): Promise<DeletedReply> {
    return this.datasets.remove(req.ctx, req.data.id);
  }
}
