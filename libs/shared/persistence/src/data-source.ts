import type { Logger } from 'pino';
import { DataSourceOptions, EntitySchema, MixedList } from 'typeorm';
import { PinoTypeOrmLogger } from './typeorm-logger';

export interface ServiceDataSourceInput {
  /** Postgres schema the service owns; its migrations table lives there too. */
  schema: string;
  url: string;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  entities: MixedList<Function | string | EntitySchema>;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  migrations: MixedList<Function | string>;
  /** Max pool size per process. */
  poolSize?: number;
  applicationName?: string;
  /**
   * Postgres `statement_timeout`: below the gateway's RPC timeout (5 s), so a wedged query fails the
   * request (503 database_timeout) before the gateway gives up with 504 and the work goes on unseen.
   */
  statementTimeoutMs?: number;
  /** TypeORM's lines go through pino (JSON, request id, no parameter values). */
  logger?: Logger;
}

/**
 * One DataSource shape for every service: its own schema and migrations table, no synchronize,
 * short connect timeout so "Postgres down" turns into a quick 503 instead of a hang.
 */
export function serviceDataSourceOptions(input: ServiceDataSourceInput): DataSourceOptions {
  return {
    type: 'postgres',
    url: input.url,
    schema: input.schema,
    entities: input.entities,
    migrations: input.migrations,
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    migrationsRun: false,
    logging: ['error', 'warn', 'migration'],
    ...(input.logger ? { logger: new PinoTypeOrmLogger(input.logger) } : {}),
    maxQueryExecutionTime: 1_000,
    applicationName: input.applicationName ?? `alien-${input.schema}`,
    extra: {
      max: input.poolSize ?? 10,
      connectionTimeoutMillis: 2_000,
      statement_timeout: input.statementTimeoutMs ?? 4_000,
      idleTimeoutMillis: 30_000,
    },
  };
}
