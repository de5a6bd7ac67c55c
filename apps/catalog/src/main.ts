import 'reflect-metadata';
import { createRootLogger, runMain } from '@alien/logging';
import { bootstrapService } from '@alien/nest-service';
import { CatalogModule } from './app.module';
import { loadCatalogConfig } from './config';

runMain('catalog', async () => {
  const config = loadCatalogConfig();
  const logger = createRootLogger('catalog', config.LOG_LEVEL);
  await bootstrapService({ module: CatalogModule.register(config, logger), config, logger });
});
