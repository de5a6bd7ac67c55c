import { ServiceCoreModule } from '@alien/nest-service';
import { DynamicModule, Module } from '@nestjs/common';
import type { Logger } from 'pino';
import { OrchestrationConfig } from './config';
import { orchestrationDataSourceOptions } from './database/data-source';

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
      ],
    };
  }
}
