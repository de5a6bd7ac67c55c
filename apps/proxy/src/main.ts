import 'reflect-metadata';
import { createRootLogger, flushLogs, onShutdownSignal, runMain } from '@alien/logging';
import { ApiError } from '@alien/envelope';
import { closeHttpServer, requestIdOf } from '@alien/nest-http';
import { refuseConnect, writeErrorEnvelope } from '@alien/proxy/streaming';
import { PrefixedServerNats } from '@alien/nest-rpc';
import { NATS_SERVER, ReadinessService } from '@alien/nest-service';
import { CustomStrategy } from '@nestjs/microservices';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from 'nestjs-pino';
import { RequestListener, createServer } from 'node:http';
import { ProxyModule } from './app.module';
import { loadProxyConfig } from './config';
import { DataPlane } from './data-plane/data-plane';

runMain('proxy', async () => {
  const config = loadProxyConfig();
  const logger = createRootLogger('proxy', config.LOG_LEVEL);
  const plane: { current?: DataPlane } = {};
  // One HTTP server: the data plane takes its routes on the raw request before Fastify sees them
  // (no body parsing, no buffering); the rest (health probes) is Nest on Fastify as in every service.
  const adapter = new FastifyAdapter({
    serverFactory: (handler: RequestListener) =>
      createServer((req, res) => {
        if (!plane.current?.route(req, res)) handler(req, res);
      })
        .on('connect', refuseConnect)
        .on('checkExpectation', (req, res) => {
          // An Expect other than 100-continue: Node's own answer is a bare 417 without an envelope.
          writeErrorEnvelope(req, res, new ApiError(417, 'Only "Expect: 100-continue" is supported', 'expectation_failed'), requestIdOf(req, res));
        }),
  });
  const app = await NestFactory.create<NestFastifyApplication>(ProxyModule.register(config, logger), adapter, {
    bufferLogs: true,
    abortOnError: false,
  });
  app.useLogger(app.get(Logger));
  const nats = app.get<PrefixedServerNats>(NATS_SERVER);
  // Like every service (bootstrapService), plus the data plane's streams: not ready, stop accepting,
  // let proxied requests and NATS messages in flight finish within the grace period, then close.
  onShutdownSignal(logger, async () => {
    app.get(ReadinessService).stopping = true;
    const streams = closeHttpServer(app.getHttpServer(), config.SHUTDOWN_GRACE_MS);
    const unanswered = await nats.drain(config.SHUTDOWN_GRACE_MS);
    const unfinished = await streams;
    if (unanswered || unfinished) logger.warn({ unanswered, unfinished }, 'grace period over with work still in flight');
    await app.close();
  });
  app.connectMicroservice<CustomStrategy>({ strategy: nats }, { inheritAppConfig: true });
  await app.startAllMicroservices();
  plane.current = app.get(DataPlane);
  await app.listen(config.HEALTH_PORT, config.HOST);
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : config.HEALTH_PORT;
  logger.info({ healthPort: port }, 'service ready');
  flushLogs(logger);
});
