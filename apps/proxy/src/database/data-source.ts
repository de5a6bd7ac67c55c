import { serviceDataSourceOptions } from '@alien/persistence';
import { DataSourceOptions } from 'typeorm';

export const PROXY_SCHEMA = 'proxy';
// Tables arrive with this service's features; the schema and its migrations table exist from day one.
export const PROXY_ENTITIES = [];
export const PROXY_MIGRATIONS = [];

/** The one DataSource definition: the Nest module, the migrate entry point and the TypeORM CLI use it. */
export function proxyDataSourceOptions(url: string, poolSize?: number): DataSourceOptions {
  return serviceDataSourceOptions({
    schema: PROXY_SCHEMA,
    url,
    poolSize,
    entities: PROXY_ENTITIES,
    migrations: PROXY_MIGRATIONS,
  });
}
