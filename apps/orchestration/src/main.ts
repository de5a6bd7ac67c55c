import 'reflect-metadata';
import { createRootLogger, runMain } from '@alien/logging';
import { bootstrapService } from '@alien/nest-service';
import { OrchestrationModule } from './app.module';
import { loadOrchestrationConfig } from './config';

runMain('orchestration', async () => {
  const config = loadOrchestrationConfig();
  const logger = createRootLogger('orchestration', config.LOG_LEVEL, { base: { service: 'orchestration', role: config.ORCHESTRATION_ROLE } });
  await bootstrapService({ module: OrchestrationModule.register(config, logger), config, logger });
});
