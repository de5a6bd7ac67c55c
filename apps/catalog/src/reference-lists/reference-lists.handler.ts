import { CatalogContracts, DeletedReply, ReferenceCreateRequest, ReferenceItem, ReferenceKind, ReferenceListRequest, ReferenceUpdateRequest } from '@alien/catalog/contracts';
import { RpcRequest } from '@alien/contracts';
import { ApiError, Page } from '@alien/envelope';
import { RequestContext } from '@alien/identity';
import { RpcHandler } from '@alien/nest-rpc';
import { BatchQuery, IdOrSlug } from '@alien/slug';
import { Controller, Type } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { ReferenceListsService } from './reference-lists.service';

/** Writes are for platform admins only; the gateway checks too, the owner of the data checks again. */
function assertPlatformAdmin(ctx: RequestContext): void {
  if (!ctx.identity.isPlatformAdmin) throw ApiError.forbidden('Only platform admins can change reference lists');
}

/** NATS handlers for one reference list; the four lists share the code, not the subjects. */
function createReferenceHandler(kind: ReferenceKind): Type<unknown> {
  const contracts = CatalogContracts.reference[kind];

  @Controller()
  class ReferenceHandler {
    constructor(private readonly lists: ReferenceListsService) {}

    @RpcHandler(contracts.list)
    list(@Payload() req: RpcRequest<ReferenceListRequest>): Promise<Page<ReferenceItem>> {
      return this.lists.list(kind, req.data);
    }

    @RpcHandler(contracts.get)
    get(@Payload() req: RpcRequest<IdOrSlug>): Promise<ReferenceItem> {
      return this.lists.get(kind, req.data);
    }

    @RpcHandler(contracts.batch)
    batch(@Payload() req: RpcRequest<BatchQuery>): Promise<ReferenceItem[]> {
      return this.lists.batch(kind, req.data);
    }

    @RpcHandler(contracts.create)
    create(@Payload() req: RpcRequest<ReferenceCreateRequest>): Promise<ReferenceItem> {
      assertPlatformAdmin(req.ctx);
      return this.lists.create(kind, req.data);
    }

    @RpcHandler(contracts.update)
    update(@Payload() req: RpcRequest<ReferenceUpdateRequest>): Promise<ReferenceItem> {
      assertPlatformAdmin(req.ctx);
      return this.lists.update(kind, req.data);
    }

    @RpcHandler(contracts.remove)
    remove(@Payload() req: RpcRequest<{ id: number }>): Promise<DeletedReply> {
      assertPlatformAdmin(req.ctx);
      return this.lists.remove(kind, req.data.id);
    }
  }
  Object.defineProperty(ReferenceHandler, 'name', { value: `${kind[0]?.toUpperCase()}${kind.slice(1)}Handler` });
  return ReferenceHandler;
}

export const REFERENCE_HANDLERS = (['tags', 'providers', 'licenses', 'sources'] as const).map(createReferenceHandler);
