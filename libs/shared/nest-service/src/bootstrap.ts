import { flushLogs } from '@alien/logging';
import { CommonServiceConfig } from './service-config';
import { NATS_SERVER } from './health';
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
 * a small HTTP server for Kubernetes probes. Shuts down cleanly on SIGTERM/SIGINT.
 */
export async function bootstrapService(options: BootstrapServiceOptions): Promise<INestApplication> {
  const app = await NestFactory.create<NestFastifyApplication>(options.module, new FastifyAdapter(), {
    bufferLogs: true,
    abortOnError: false,
  });
  app.useLogger(app.get(Logger));
  app.enableShutdownHooks();
  app.connectMicroservice<CustomStrategy>({ strategy: app.get(NATS_SERVER) }, { inheritAppConfig: true });
  await app.startAllMicroservices();
  await app.listen(options.config.HEALTH_PORT, options.config.HOST);
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : options.config.HEALTH_PORT;
  options.logger.info({ healthPort: port }, 'service ready');
  flushLogs(options.logger);
  return app;
}
