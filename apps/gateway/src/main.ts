import 'reflect-metadata';
import { createRootLogger, flushLogs, runMain } from '@alien/logging';
import { loadGatewayConfig } from './config';
import { createGatewayApp } from './http/create-app';

runMain('gateway', async () => {
  const config = loadGatewayConfig();
  const logger = createRootLogger('gateway', config.LOG_LEVEL);
  const app = await createGatewayApp(config, logger);
  await app.listen(config.PORT, config.HOST);
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : config.PORT;
  logger.info({ port }, 'gateway listening');
  flushLogs(logger);
});
