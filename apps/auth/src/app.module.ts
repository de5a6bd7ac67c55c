import { ServiceCoreModule } from '@alien/nest-service';
import { DynamicModule, Module } from '@nestjs/common';
import type { Logger } from 'pino';
import { AuthConfig } from './config';
import { authDataSourceOptions } from './database/data-source';

@Module({})
export class AuthModule {
  static register(config: AuthConfig, logger: Logger): DynamicModule {
    return {
      module: AuthModule,
      imports: [
        ServiceCoreModule.forRoot({
          service: 'auth',
          config,
          logger,
          dataSource: authDataSourceOptions(config.DATABASE_URL, config.DATABASE_POOL_SIZE),
        }),
      ],
    };
  }
}
