import { runMigrationCli } from '@alien/persistence';
import { loadProxyConfig } from './config';
import { proxyDataSourceOptions } from './database/data-source';

// `node dist/apps/proxy/src/migrate.js [up|down|status]` — run by `npm start` and the Kubernetes Job.
void runMigrationCli('proxy', proxyDataSourceOptions(loadProxyConfig().DATABASE_URL, 1));
