import { ServiceCoreModule } from '@alien/nest-service';
import { DynamicModule, Module } from '@nestjs/common';
import type { Logger } from 'pino';
import { CatalogCoreModule } from './catalog-core.module';
import { CatalogFeaturesModule } from './catalog-features.module';
import { CatalogConfig } from './config';
import { catalogDataSourceOptions } from './database/data-source';
import { ReferenceListsModule } from './reference-lists/reference-lists.module';

@Module({})
export class CatalogModule {
  static register(config: CatalogConfig, logger: Logger): DynamicModule {
    return {
      module: CatalogModule,
      imports: [
        ServiceCoreModule.forRoot({
          service: 'catalog',
          config,
          logger,
          dataSource: catalogDataSourceOptions(config.DATABASE_URL, config.DATABASE_POOL_SIZE),
        }),
        CatalogCoreModule.forRoot(config),
        ReferenceListsModule,
        CatalogFeaturesModule,
      ],
    };
  }
}
