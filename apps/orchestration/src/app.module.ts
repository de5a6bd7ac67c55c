import { EVENT_BUS_OPTIONS, EventBus, EventBusOptions, ServiceCoreModule } from '@alien/nest-service';
import { ORCHESTRATION_EVENTS_STREAM, OrchestrationEvents } from '@alien/orchestration/contracts';
import { KeyRing } from '@alien/secrets';
import { DynamicModule, Global, Module } from '@nestjs/common';
import type { Logger } from 'pino';
import { ClustersModule } from './clusters/clusters.module';
import { ORCHESTRATION_CONFIG, OrchestrationConfig } from './config';
import { orchestrationDataSourceOptions } from './database/data-source';

export function orchestrationEventBusOptions(config: OrchestrationConfig): EventBusOptions {
  return {
    url: config.NATS_URL,
    prefix: config.NATS_SUBJECT_PREFIX,
    name: 'orchestration',
    streams: [{ name: ORCHESTRATION_EVENTS_STREAM, subjects: Object.values(OrchestrationEvents).map((e) => e.subject) }],
  };
}

@Global()
@Module({})
export class OrchestrationModule {
  static register(config: OrchestrationConfig, logger: Logger): DynamicModule {
    return {
      module: OrchestrationModule,
      imports: [
        ServiceCoreModule.forRoot({
          service: 'orchestration',
          config,
          logger,
          dataSource: orchestrationDataSourceOptions(config.DATABASE_URL, config.DATABASE_POOL_SIZE),
        }),
        ClustersModule,
      ],
      providers: [
        { provide: ORCHESTRATION_CONFIG, useValue: config },
        { provide: EVENT_BUS_OPTIONS, useValue: orchestrationEventBusOptions(config) },
        { provide: KeyRing, useValue: new KeyRing(config.SECRETS_KEY_RING) },
        EventBus,
      ],
      exports: [ORCHESTRATION_CONFIG, KeyRing, EventBus],
    };
  }
}
