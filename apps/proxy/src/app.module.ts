import { ServiceCoreModule } from '@alien/nest-service';
import { DynamicModule, Module } from '@nestjs/common';
import type { Logger } from 'pino';
import { ProxyConfig } from './config';
import { proxyDataSourceOptions } from './database/data-source';

@Module({})
export class ProxyModule {
  static register(config: ProxyConfig, logger: Logger): DynamicModule {
    return {
      module: ProxyModule,
      imports: [
        ServiceCoreModule.forRoot({
          service: 'proxy',
          config,
          logger,
          dataSource: proxyDataSourceOptions(config.DATABASE_URL, config.DATABASE_POOL_SIZE),
        }),
      ],
    };
  }
}
