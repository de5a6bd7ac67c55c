import { RpcRequest } from '@alien/contracts';
import { Page } from '@alien/envelope';
import { WorkflowContracts, WorkflowInput, WorkflowListRequest, WorkflowView } from '@alien/orchestration/contracts';
import { RpcHandler } from '@alien/nest-rpc';
import { BatchQuery, IdOrSlug } from '@alien/slug';
import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { WorkflowsService } from './workflows.service';

@Controller()
export class WorkflowsHandler {
  constructor(private readonly workflows: WorkflowsService) {}

  @RpcHandler(WorkflowContracts.workflows.list)
  list(@Payload() req: RpcRequest<WorkflowListRequest>): Promise<Page<WorkflowView>> {
    return this.workflows.list(req.ctx, req.data);
  }

  @RpcHandler(WorkflowContracts.workflows.get)
  get(@Payload() req: RpcRequest<IdOrSlug>): Promise<WorkflowView> {
    return this.workflows.get(req.ctx, req.data);
  }

  @RpcHandler(WorkflowContracts.workflows.batch)
  batch(@Payload() req: RpcRequest<BatchQuery>): Promise<WorkflowView[]> {
    return this.workflows.batch(req.ctx, req.data);
  }

  @RpcHandler(WorkflowContracts.workflows.create)
  create(@Payload() req: RpcRequest<WorkflowInput>): Promise<WorkflowView> {
    return this.workflows.create(req.ctx, req.data);
  }

  @RpcHandler(WorkflowContracts.workflows.update)
  update(@Payload() req: RpcRequest<{ id: number; patch: Partial<WorkflowInput> }>): Promise<WorkflowView> {
    return this.workflows.update(req.ctx, req.data.id, req.data.patch);
  }

  @RpcHandler(WorkflowContracts.workflows.remove)
  remove(@Payload() req: RpcRequest<{ id: number }>): Promise<{ id: number; deleted: true }> {
    return this.workflows.remove(req.ctx, req.data.id);
  }
}
