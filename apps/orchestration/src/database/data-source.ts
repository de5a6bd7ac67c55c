import { serviceDataSourceOptions } from '@alien/persistence';
import { DataSourceOptions } from 'typeorm';

export const ORCHESTRATION_SCHEMA = 'orchestration';
// Tables arrive with this service's features; the schema and its migrations table exist from day one.
export const ORCHESTRATION_ENTITIES = [];
export const ORCHESTRATION_MIGRATIONS = [];

/** The one DataSource definition: the Nest module, the migrate entry point and the TypeORM CLI use it. */
export function orchestrationDataSourceOptions(url: string, poolSize?: number): DataSourceOptions {
  return serviceDataSourceOptions({
    schema: ORCHESTRATION_SCHEMA,
    url,
    poolSize,
    entities: ORCHESTRATION_ENTITIES,
    migrations: ORCHESTRATION_MIGRATIONS,
  });
}
