import { serviceDataSourceOptions } from '@alien/persistence';
import { DataSourceOptions } from 'typeorm';
import { LicenseEntity, ProviderEntity, SourceEntity, TagEntity } from '../reference-lists/entities/reference.entity';
import { CreateReferenceLists1764400000000 } from './migrations/1764400000000-CreateReferenceLists';
import { SeedReferenceLists1764400000001 } from './migrations/1764400000001-SeedReferenceLists';
import { CreateCatalog1764600000000 } from './migrations/1764600000000-CreateCatalog';

export const CATALOG_SCHEMA = 'catalog';
export const CATALOG_ENTITIES = [TagEntity, ProviderEntity, LicenseEntity, SourceEntity];
export const CATALOG_MIGRATIONS = [CreateReferenceLists1764400000000, SeedReferenceLists1764400000001, CreateCatalog1764600000000];

/** The one DataSource definition: the Nest module, the migrate entry point and the TypeORM CLI use it. */
export function catalogDataSourceOptions(url: string, poolSize?: number): DataSourceOptions {
  return serviceDataSourceOptions({
    schema: CATALOG_SCHEMA,
    url,
    poolSize,
    entities: CATALOG_ENTITIES,
    migrations: CATALOG_MIGRATIONS,
  });
}
