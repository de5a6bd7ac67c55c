import { serviceDataSourceOptions } from '@alien/persistence';
import { DataSourceOptions } from 'typeorm';
import { AUTH_ENTITIES as ENTITIES } from '../shared/entities';
import { CreateIdentity1764500000000 } from './migrations/1764500000000-CreateIdentity';
import { Invitations1765000000000 } from './migrations/1765000000000-Invitations';

export const AUTH_SCHEMA = 'auth';
export const AUTH_ENTITIES = ENTITIES;
export const AUTH_MIGRATIONS = [CreateIdentity1764500000000, Invitations1765000000000];

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
