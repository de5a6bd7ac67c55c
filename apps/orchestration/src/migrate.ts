import { runMigrationCli } from '@alien/persistence';
import { loadOrchestrationConfig } from './config';
import { orchestrationDataSourceOptions } from './database/data-source';

// `node dist/apps/orchestration/src/migrate.js [up|down|status]` — run by `npm start` and the Kubernetes Job.
void runMigrationCli('orchestration', orchestrationDataSourceOptions(loadOrchestrationConfig().DATABASE_URL, 1));
