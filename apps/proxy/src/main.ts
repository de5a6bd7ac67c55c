import 'reflect-metadata';
import { createRootLogger, runMain } from '@alien/logging';
import { bootstrapService } from '@alien/nest-service';
import { ProxyModule } from './app.module';
import { loadProxyConfig } from './config';

runMain('proxy', async () => {
  const config = loadProxyConfig();
  const logger = createRootLogger('proxy', config.LOG_LEVEL);
  await bootstrapService({ module: ProxyModule.register(config, logger), config, logger });
});
