import { flushLogs, onShutdownSignal } from '@alien/logging';
import { PrefixedServerNats } from '@alien/nest-rpc';
import { CommonServiceConfig } from './service-config';
import { NATS_SERVER, ReadinessService } from './health';
import { DynamicModule, INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { CustomStrategy } from '@nestjs/microservices';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger } from 'nestjs-pino';
import type { Logger as Pino } from 'pino';

export interface BootstrapServiceOptions {
  module: DynamicModule;
  config: CommonServiceConfig;
  logger: Pino;
}

/**
 * Starts a service: its NATS microservice (queue group = service name, so replicas share load) and
 * a small HTTP server for Kubernetes probes. On SIGTERM/SIGINT it stops taking messages (the other
 * replicas get them), answers everything in flight within SHUTDOWN_GRACE_MS, then closes NATS and
 * Postgres: a rolling restart fails no request.
 */
export async function bootstrapService(options: BootstrapServiceOptions): Promise<INestApplication> {
  const app = await NestFactory.create<NestFastifyApplication>(options.module, new FastifyAdapter(), {
    bufferLogs: true,
    abortOnError: false,
  });
  app.useLogger(app.get(Logger));
  const nats = app.get<PrefixedServerNats>(NATS_SERVER);
  onShutdownSignal(options.logger, async () => {
    app.get(ReadinessService).stopping = true;
    const unanswered = await nats.drain(options.config.SHUTDOWN_GRACE_MS);
    if (unanswered) options.logger.warn({ unanswered }, 'grace period over with messages still in flight');
    await app.close();
  });
  app.connectMicroservice<CustomStrategy>({ strategy: nats }, { inheritAppConfig: true });
  await app.startAllMicroservices();
  await app.listen(options.config.HEALTH_PORT, options.config.HOST);
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : options.config.HEALTH_PORT;
  options.logger.info({ healthPort: port }, 'service ready');
  flushLogs(options.logger);
  return app;
}
