import { EVENT_BUS_OPTIONS, EventBus, EventBusOptions, ServiceCoreModule } from '@alien/nest-service';
import { ORCHESTRATION_EVENTS_STREAM, OrchestrationEvents } from '@alien/orchestration/contracts';
import { KeyRing } from '@alien/secrets';
import { DynamicModule, Global, Module, Provider, Type } from '@nestjs/common';
import type { Logger } from 'pino';
import { ClustersModule } from './clusters/clusters.module';
import { ORCHESTRATION_CONFIG, OrchestrationConfig } from './config';
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
import { PlatformClients } from './shared/platform-clients';
import { JobWorker } from './worker/job-worker';
import { NodeServicesFactory } from './worker/node-services';
import { WorkflowsHandler } from './workflows/workflows.handler';
import { WorkflowsOrganizationDeletedConsumer } from './workflows/organization-deleted.consumer';
import { WorkflowReferences } from './workflows/workflow-references';
import { WorkflowsService } from './workflows/workflows.service';

/** What the `api` role serves over NATS (the `worker` role answers only its health subject). */
const API_HANDLERS: Type[] = [NodesHandler, WorkflowsHandler, PresetsHandler, JobsHandler, MetricsHandler];
const API_PROVIDERS: Provider[] = [WorkflowReferences, WorkflowsService, PresetsService, JobsService, MetricsService, WorkflowsOrganizationDeletedConsumer];
const WORKER_PROVIDERS: Provider[] = [NodeServicesFactory, JobWorker];

export function orchestrationEventBusOptions(config: OrchestrationConfig): EventBusOptions {
  return {
    url: config.NATS_URL,
    prefix: config.NATS_SUBJECT_PREFIX,
    name: 'orchestration',
    streams: [{ name: ORCHESTRATION_EVENTS_STREAM, subjects: Object.values(OrchestrationEvents).map((e) => e.subject) }],
  };
}

/**
 * A worker answers no request/reply subject of the service (health, clusters, workflows…): when the
 * api processes are down, the gateway must see orchestration as down, not reach a worker. Its NATS
 * server (which the health probe's connection check needs) listens under a prefix nobody sends to;
 * everything the worker does on NATS (JetStream, events, the catalog) uses the real prefix.
 */
export function workerRpcPrefix(prefix: string): string {
  // Inside the service's own namespace, so its NATS user may subscribe there (deploy/nats).
  return `${prefix}orchestration._worker-only.`;
}

@Global()
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
          config: api ? config : { ...config, NATS_SUBJECT_PREFIX: workerRpcPrefix(config.NATS_SUBJECT_PREFIX) },
          logger,
          dataSource: orchestrationDataSourceOptions(config.DATABASE_URL, config.DATABASE_POOL_SIZE),
        }),
        ClustersModule,
      ],
      controllers: api ? API_HANDLERS : [],
      providers: [
        { provide: ORCHESTRATION_CONFIG, useValue: config },
        { provide: EVENT_BUS_OPTIONS, useValue: orchestrationEventBusOptions(config) },
        { provide: KeyRing, useValue: new KeyRing(config.SECRETS_KEY_RING) },
        EventBus,
        Sql,
        JobStore,
        JobBus,
        // Both roles relay the outbox: whichever is up moves admitted jobs onto the queue.
        JobDispatcher,
        // The catalog and the proxy for both roles: workflows' references (api), node services (worker).
        PlatformClients,
        ...(api ? API_PROVIDERS : []),
        ...(worker ? WORKER_PROVIDERS : []),
      ],
      exports: [ORCHESTRATION_CONFIG, KeyRing, EventBus],
    };
  }
}
