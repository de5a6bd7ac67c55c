import { readCommonServiceConfig } from '@alien/nest-service';

export const CATALOG_HEALTH_PORT = 3402;

export function loadCatalogConfig(source: NodeJS.ProcessEnv = process.env) {
  return readCommonServiceConfig(CATALOG_HEALTH_PORT, source);
}

export type CatalogConfig = ReturnType<typeof loadCatalogConfig>;
