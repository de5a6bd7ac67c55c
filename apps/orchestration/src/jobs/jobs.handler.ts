import { RpcRequest } from '@alien/contracts';
import { Page } from '@alien/envelope';
import {
  ComputeContextView,
  JobContracts,
  JobListRequest,
  JobStreamOpening,
  JobSummaryView,
  JobView,
  RunRequest,
} from '@alien/orchestration/contracts';
import { RpcHandler } from '@alien/nest-rpc';
import { Controller } from '@nestjs/common';
import { Payload } from '@nestjs/microservices';
import { JobsService } from './jobs.service';

@Controller()
export class JobsHandler {
  constructor(private readonly jobs: JobsService) {}

  @RpcHandler(JobContracts.run)
  run(@Payload() req: RpcRequest<RunRequest>): Promise<JobView> {
    return this.jobs.run(req.ctx, req.data);
  }

  @RpcHandler(JobContracts.jobs.list)
  list(@Payload() req: RpcRequest<JobListRequest>): Promise<Page<JobSummaryView>> {
    return this.jobs.list(req.ctx, req.data);
  }

  @RpcHandler(JobContracts.jobs.get)
  get(@Payload() req: RpcRequest<{ id: number }>): Promise<JobView> {
    return this.jobs.get(req.ctx, req.data.id);
  }

  @RpcHandler(JobContracts.jobs.latest)
  latest(@Payload() req: RpcRequest<{ workflowId: number }>): Promise<JobView> {
    return this.jobs.latest(req.ctx, req.data.workflowId);
  }

  @RpcHandler(JobContracts.jobs.cancel)
  cancel(@Payload() req: RpcRequest<{ id: number }>): Promise<JobView> {
    return this.jobs.cancel(req.ctx, req.data.id);
  }

  @RpcHandler(JobContracts.jobs.computeContext)
  computeContext(@Payload() req: RpcRequest<{ id: number }>): Promise<ComputeContextView> {
    return this.jobs.computeContext(req.ctx, req.data.id);
  }

  @RpcHandler(JobContracts.jobs.openStream)
  openStream(@Payload() req: RpcRequest<{ id: number }>): Promise<JobStreamOpening> {
    return this.jobs.openStream(req.ctx, req.data.id);
  }
}
