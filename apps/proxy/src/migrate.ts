import { readCommonServiceConfig } from '@alien/nest-service';
import { runMigrationCli } from '@alien/persistence';
import { PROXY_HEALTH_PORT } from './config';
import { proxyDataSourceOptions } from './database/data-source';

// `node dist/apps/proxy/src/migrate.js [up|down|status]` — run by `npm start` and the Kubernetes Job.
// Only the common settings: a migration needs DATABASE_URL, not the service's secrets.
void runMigrationCli('proxy', proxyDataSourceOptions(readCommonServiceConfig(PROXY_HEALTH_PORT).DATABASE_URL, 1));
