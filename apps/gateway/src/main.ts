import 'reflect-metadata';
import { createRootLogger, flushLogs, onShutdownSignal, runMain } from '@alien/logging';
import { closeHttpServer } from '@alien/nest-http';
import { loadGatewayConfig } from './config';
import { GatewayHealth } from './health/health.controller';
import { createGatewayApp } from './http/create-app';

runMain('gateway', async () => {
  const config = loadGatewayConfig();
  const logger = createRootLogger('gateway', config.LOG_LEVEL);
  const app = await createGatewayApp(config, logger);
  // Stop in the order that fails no request: not ready (load balancers move on), stop accepting and
  // finish what is in flight (it still needs NATS), then close NATS.
  onShutdownSignal(logger, async () => {
    app.get(GatewayHealth).stopping = true;
    if (config.SHUTDOWN_DELAY_MS) await new Promise((r) => setTimeout(r, config.SHUTDOWN_DELAY_MS));
    const unfinished = await closeHttpServer(app.getHttpServer(), config.SHUTDOWN_GRACE_MS);
    if (unfinished) logger.warn({ unfinished }, 'grace period over with requests still in flight');
    await app.close();
  });
  await app.listen(config.PORT, config.HOST);
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : config.PORT;
  logger.info({ port }, 'gateway listening');
  flushLogs(logger);
});
