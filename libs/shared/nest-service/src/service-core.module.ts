import { PrefixedServerNats, natsOptions } from '@alien/nest-rpc';
import { RpcErrorFilter } from './rpc-error.filter';
import { NATS_CREDENTIALS } from './event-bus';
import { ServiceName } from '@alien/contracts';
import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { TypeOrmModule } from '@nestjs/typeorm';
import { LoggerModule } from 'nestjs-pino';
import type { Logger } from 'pino';
import { DataSourceOptions } from 'typeorm';
import { PinoTypeOrmLogger } from '@alien/persistence';
import {
  HealthController,
  NATS_SERVER,
  NatsHealthIndicator,
  ReadinessService,
  SERVICE_NAME,
  createHealthHandler,
} from './health';
import { ROOT_LOGGER } from '@alien/logging';
import { CommonServiceConfig } from './service-config';

export interface ServiceCoreOptions {
  service: ServiceName;
  config: CommonServiceConfig;
  logger: Logger;
  dataSource: DataSourceOptions;
}

/**
 * Everything a NATS service shares: pino logging with request context, the RPC error contract,
 * its TypeORM DataSource, the NATS server strategy and health (HTTP probes + NATS health subject).
 */
@Module({})
export class ServiceCoreModule {
  static forRoot(options: ServiceCoreOptions): DynamicModule {
    const { service, config, logger } = options;
    const natsServer = new PrefixedServerNats(
      { ...natsOptions({ url: config.NATS_URL, subjectPrefix: config.NATS_SUBJECT_PREFIX, name: service, user: config.NATS_USER, password: config.NATS_PASSWORD }, 'server'), queue: service },
      config.NATS_SUBJECT_PREFIX,
      logger,
    );
    return {
      module: ServiceCoreModule,
      global: true,
      imports: [
        LoggerModule.forRoot({
          pinoHttp: { logger, autoLogging: false, quietReqLogger: true },
        }),
        TypeOrmModule.forRoot({
          ...(options.dataSource as Extract<DataSourceOptions, { type: 'postgres' }>),
          // TypeORM's own lines as JSON through pino, with the request id and no parameter values.
          logger: new PinoTypeOrmLogger(logger),
          extra: { ...(options.dataSource.extra as object | undefined), statement_timeout: config.DATABASE_STATEMENT_TIMEOUT_MS },
          manualInitialization: false,
          retryAttempts: 0,
        }),
        TerminusModule.forRoot({ logger: false }),
      ],
      controllers: [HealthController, createHealthHandler(service)],
      providers: [
        { provide: SERVICE_NAME, useValue: service },
        { provide: ROOT_LOGGER, useValue: logger },
        { provide: NATS_SERVER, useValue: natsServer },
        { provide: NATS_CREDENTIALS, useValue: { user: config.NATS_USER, password: config.NATS_PASSWORD } },
        { provide: APP_FILTER, useClass: RpcErrorFilter },
        NatsHealthIndicator,
        ReadinessService,
      ],
      exports: [NATS_SERVER, NATS_CREDENTIALS, ROOT_LOGGER, SERVICE_NAME, ReadinessService],
    };
  }
}
