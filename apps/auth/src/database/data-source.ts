import { serviceDataSourceOptions } from '@alien/persistence';
import { DataSourceOptions } from 'typeorm';

export const AUTH_SCHEMA = 'auth';
// Tables arrive with this service's features; the schema and its migrations table exist from day one.
export const AUTH_ENTITIES = [];
export const AUTH_MIGRATIONS = [];

/** The one DataSource definition: the Nest module, the migrate entry point and the TypeORM CLI use it. */
export function authDataSourceOptions(url: string, poolSize?: number): DataSourceOptions {
  return serviceDataSourceOptions({
    schema: AUTH_SCHEMA,
    url,
    poolSize,
    entities: AUTH_ENTITIES,
    migrations: AUTH_MIGRATIONS,
  });
}
