import { CatalogContracts, DeletedReply, EntryCreateRequest, EntryListRequest, EntryPatch, EntryRef, EntryView } from '@alien/catalog/contracts';
import { RpcRequest } from '@alien/contracts';
import { Page } from '@alien/envelope';
import { RpcHandler } from '@alien/nest-rpc';
import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { EntriesService } from './entries.service';

const rpc = CatalogContracts.entries;

@Controller()
export class EntriesHandler {
  constructor(private readonly entries: EntriesService) {}

  @RpcHandler(rpc.list)
  list(@Payload() req: RpcRequest<EntryListRequest>): Promise<Page<EntryView>> {
    return this.entries.list(req.ctx, req.data);
  }

  @RpcHandler(rpc.get)
  get(@Payload() req: RpcRequest<EntryRef>): Promise<EntryView> {
    return this.entries.get(req.ctx, req.data);
  }

  @RpcHandler(rpc.create)
  create(@Payload() req: RpcRequest<EntryCreateRequest>): Promise<EntryView> {
    return this.entries.create(req.ctx, req.data);
  }

  @RpcHandler(rpc.update)
  update(@Payload() req: RpcRequest<EntryRef & { patch: EntryPatch }>): Promise<EntryView> {
    return this.entries.update(req.ctx, req.data, req.data.patch);
  }

  @RpcHandler(rpc.remove)
  remove(@Payload() req: RpcRequest<EntryRef>): Promise<DeletedReply> {
    return this.entries.remove(req.ctx, req.data);
  }
}
