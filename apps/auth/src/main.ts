import 'reflect-metadata';
import { createRootLogger, runMain } from '@alien/logging';
import { bootstrapService } from '@alien/nest-service';
import { AuthModule } from './app.module';
import { loadAuthConfig } from './config';

runMain('auth', async () => {
  const config = loadAuthConfig();
  const logger = createRootLogger('auth', config.LOG_LEVEL);
  await bootstrapService({ module: AuthModule.register(config, logger), config, logger });
});
