import {
  AiModelListRequest,
  AiModelPatch,
  AiModelView,
  AiModelWrite,
  CatalogContracts,
  CredentialReadView,
  CredentialsStatus,
  DeletedReply,
  ModelCredentials,
} from '@alien/catalog/contracts';
import { RpcRequest } from '@alien/contracts';
import { Page, PageQuery } from '@alien/envelope';
import { RpcHandler } from '@alien/nest-rpc';
import { BatchQuery, IdOrSlug } from '@alien/slug';
import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { AiModelsService } from './ai-models.service';
import { CredentialsService } from './credentials.service';

const rpc = CatalogContracts.aiModels;

@Controller()
export class AiModelsHandler {
  constructor(
    private readonly models: AiModelsService,
    private readonly credentials: CredentialsService,
  ) {}

  @RpcHandler(rpc.list)
  list(@Payload() req: RpcRequest<AiModelListRequest>): Promise<Page<AiModelView>> {
    return this.models.list(req.ctx, req.data);
  }

  @RpcHandler(rpc.get)
  get(@Payload() req: RpcRequest<IdOrSlug & { organizationId?: number }>): Promise<AiModelView> {
    return this.models.get(req.ctx, req.data);
  }

  @RpcHandler(rpc.batch)
  batch(@Payload() req: RpcRequest<BatchQuery>): Promise<AiModelView[]> {
    return this.models.batch(req.ctx, req.data);
  }

  @RpcHandler(rpc.create)
  create(@Payload() req: RpcRequest<AiModelWrite>): Promise<AiModelView> {
    return this.models.create(req.ctx, req.data);
  }

  @RpcHandler(rpc.update)
  update(@Payload() req: RpcRequest<{ id: number; patch: AiModelPatch }>): Promise<AiModelView> {
    return this.models.update(req.ctx, req.data.id, req.data.patch);
  }

  @RpcHandler(rpc.remove)
  remove(@Payload() req: RpcRequest<{ id: number }>): Promise<DeletedReply> {
    return this.models.remove(req.ctx, req.data.id);
  }

  @RpcHandler(rpc.credentials.put)
  putCredentials(@Payload() req: RpcRequest<{ id: number; apiKey: string; expiresAt?: string | null }>): Promise<CredentialsStatus> {
    return this.credentials.put(req.ctx, req.data);
  }

  @RpcHandler(rpc.credentials.get)
  getCredentials(@Payload() req: RpcRequest<{ id: number }>): Promise<ModelCredentials> {
    return this.credentials.get(req.ctx, req.data.id);
  }

  @RpcHandler(rpc.credentials.revoke)
  revokeCredentials(@Payload() req: RpcRequest<{ id: number }>): Promise<{ id: number; revoked: true }> {
    return this.credentials.revoke(req.ctx, req.data.id);
  }

  @RpcHandler(rpc.credentials.reads)
  credentialReads(@Payload() req: RpcRequest<{ id: number; page: PageQuery<'createdAt'> }>): Promise<Page<CredentialReadView>> {
    return this.credentials.reads(req.ctx, req.data);
  }

  /** Internal (orchestration's workers); no gateway route sends it. */
  @RpcHandler(rpc.credentials.forWorker)
  credentialsForWorker(@Payload() req: RpcRequest<{ modelId: number; organizationId: number }>): Promise<ModelCredentials & { modelId: number }> {
    return this.credentials.forWorker(req.ctx, req.data);
  }
}
