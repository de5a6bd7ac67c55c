import { serviceDataSourceOptions } from '@alien/persistence';
import { DataSourceOptions } from 'typeorm';
import { ConnectorEntity } from '../external-apis/entities/connector.entity';
import { EndpointEntity } from '../external-apis/entities/endpoint.entity';
import { CreateProxySchema1764600000100 } from './migrations/1764600000100-CreateProxySchema';

export const PROXY_SCHEMA = 'proxy';
// Request logs and usage records are written with fixed SQL (hot and batched paths), not entities.
export const PROXY_ENTITIES = [ConnectorEntity, EndpointEntity];
export const PROXY_MIGRATIONS = [CreateProxySchema1764600000100];

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
