import { DataSourceOptions, MixedList, EntitySchema } from 'typeorm';

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
    applicationName: input.applicationName ?? `alien-${input.schema}`,
    extra: {
      max: input.poolSize ?? 10,
      connectionTimeoutMillis: 2_000,
      // Bound every statement: a wedged query must not hold an RPC past the gateway timeout.
      statement_timeout: 10_000,
      idleTimeoutMillis: 30_000,
    },
  };
}
