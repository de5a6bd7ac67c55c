import { runMigrationCli } from '@alien/persistence';
import { loadCatalogConfig } from './config';
import { catalogDataSourceOptions } from './database/data-source';

// `node dist/apps/catalog/src/migrate.js [up|down|status]` — run by `npm start` and the Kubernetes Job.
void runMigrationCli('catalog', catalogDataSourceOptions(loadCatalogConfig().DATABASE_URL, 1));
