import { RpcRequest } from '@alien/contracts';
import { ConsumptionGroupBy, ConsumptionView, JobContracts, MetricsRequest, WorkflowMetricsView } from '@alien/orchestration/contracts';
import { RpcHandler } from '@alien/nest-rpc';
import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { MetricsService } from './metrics.service';

@Controller()
export class MetricsHandler {
  constructor(private readonly metrics: MetricsService) {}

  @RpcHandler(JobContracts.metrics.workflow)
  workflow(@Payload() req: RpcRequest<MetricsRequest>): Promise<WorkflowMetricsView> {
    return this.metrics.workflow(req.ctx, req.data);
  }

  @RpcHandler(JobContracts.consumption.workflow)
  workflowConsumption(
    @Payload() req: RpcRequest<{ workflowId: number; from?: string; to?: string; groupBy: ConsumptionGroupBy }>,
  ): Promise<ConsumptionView> {
    return this.metrics.consumption(req.ctx, req.data);
  }

  @RpcHandler(JobContracts.consumption.organization)
  organization(@Payload() req: RpcRequest<{ from?: string; to?: string; groupBy: ConsumptionGroupBy }>): Promise<ConsumptionView> {
    return this.metrics.consumption(req.ctx, req.data);
  }
}
