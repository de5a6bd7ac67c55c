import { runMigrationCli } from '@alien/persistence';
import { loadCatalogDatabaseConfig } from './config';
import { catalogDataSourceOptions } from './database/data-source';

// `node dist/apps/catalog/src/migrate.js [up|down|status]` — run by `npm start` and the Kubernetes Job.
void runMigrationCli('catalog', catalogDataSourceOptions(loadCatalogDatabaseConfig().DATABASE_URL, 1));
