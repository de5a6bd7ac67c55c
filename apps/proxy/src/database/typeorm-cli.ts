// Entry for the TypeORM CLI (`nx run proxy:migration-generate`), compiled to dist first.
import { readCommonServiceConfig } from '@alien/nest-service';
import { DataSource } from 'typeorm';
import { PROXY_HEALTH_PORT } from '../config';
import { proxyDataSourceOptions } from './data-source';

export default new DataSource(proxyDataSourceOptions(readCommonServiceConfig(PROXY_HEALTH_PORT).DATABASE_URL, 1));
