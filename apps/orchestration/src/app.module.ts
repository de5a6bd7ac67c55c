import { ServiceCoreModule } from '@alien/nest-service';
import { DynamicModule, Module, Provider, Type } from '@nestjs/common';
import type { Logger } from 'pino';
import { OrchestrationConfig } from './config';
import { orchestrationDataSourceOptions } from './database/data-source';
import { JobStore } from './jobs/job-store';
import { JobsHandler } from './jobs/jobs.handler';
import { JobsService } from './jobs/jobs.service';
import { MetricsHandler } from './metrics/metrics.handler';
import { MetricsService } from './metrics/metrics.service';
import { NodesHandler } from './nodes/nodes.handler';
import { PresetsHandler } from './presets/presets.handler';
import { PresetsService } from './presets/presets.service';
import { JobBus } from './queue/job-bus';
import { JobDispatcher } from './queue/job-dispatcher';
import { Sql } from './shared/sql';
import { ORCHESTRATION_CONFIG } from './shared/tokens';
import { JobWorker } from './worker/job-worker';
import { NodeServicesFactory } from './worker/node-services';
import { WorkflowsHandler } from './workflows/workflows.handler';
import { WorkflowsService } from './workflows/workflows.service';

/** What the `api` role serves over NATS (the `worker` role answers only its health subject). */
const API_HANDLERS: Type[] = [NodesHandler, WorkflowsHandler, PresetsHandler, JobsHandler, MetricsHandler];
const API_PROVIDERS: Provider[] = [WorkflowsService, PresetsService, JobsService, MetricsService];
const WORKER_PROVIDERS: Provider[] = [NodeServicesFactory, JobWorker];

@Module({})
export class OrchestrationModule {
  static register(config: OrchestrationConfig, logger: Logger): DynamicModule {
    const api = config.ORCHESTRATION_ROLE !== 'worker';
    const worker = config.ORCHESTRATION_ROLE !== 'api';
    return {
      module: OrchestrationModule,
      imports: [
        ServiceCoreModule.forRoot({
          service: 'orchestration',
          config,
          logger,
          dataSource: orchestrationDataSourceOptions(config.DATABASE_URL, config.DATABASE_POOL_SIZE),
        }),
      ],
      controllers: api ? API_HANDLERS : [],
      providers: [
        { provide: ORCHESTRATION_CONFIG, useValue: config },
        Sql,
        JobStore,
        JobBus,
        // Both roles relay the outbox: whichever is up moves admitted jobs onto the queue.
        JobDispatcher,
        ...(api ? API_PROVIDERS : []),
        ...(worker ? WORKER_PROVIDERS : []),
      ],
    };
  }
}
