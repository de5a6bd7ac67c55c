import { RpcRequest } from '@alien/contracts';
import { PresetInput, PresetView, WorkflowContracts } from '@alien/orchestration/contracts';
import { RpcHandler } from '@alien/nest-rpc';
import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { PresetsService } from './presets.service';

@Controller()
export class PresetsHandler {
  constructor(private readonly presets: PresetsService) {}

  @RpcHandler(WorkflowContracts.presets.list)
  list(@Payload() req: RpcRequest<{ workflowId: number }>): Promise<PresetView[]> {
    return this.presets.list(req.ctx, req.data.workflowId);
  }

  @RpcHandler(WorkflowContracts.presets.create)
  create(@Payload() req: RpcRequest<{ workflowId: number } & PresetInput>): Promise<PresetView> {
    const { workflowId, ...input } = req.data;
    return this.presets.create(req.ctx, workflowId, input);
  }

  @RpcHandler(WorkflowContracts.presets.update)
  update(@Payload() req: RpcRequest<{ workflowId: number; id: number; patch: Partial<PresetInput> }>): Promise<PresetView> {
    return this.presets.update(req.ctx, req.data.workflowId, req.data.id, req.data.patch);
  }

  @RpcHandler(WorkflowContracts.presets.remove)
  remove(@Payload() req: RpcRequest<{ workflowId: number; id: number }>): Promise<{ id: number; deleted: true }> {
    return this.presets.remove(req.ctx, req.data.workflowId, req.data.id);
  }
}
