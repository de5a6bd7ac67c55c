import { runMigrationCli } from '@alien/persistence';
import { loadAuthConfig } from './config';
import { authDataSourceOptions } from './database/data-source';

// `node dist/apps/auth/src/migrate.js [up|down|status]` — run by `npm start` and the Kubernetes Job.
void runMigrationCli('auth', authDataSourceOptions(loadAuthConfig().DATABASE_URL, 1));
