// Entry for the TypeORM CLI (`nx run proxy:migration-generate`), compiled to dist first.
import { DataSource } from 'typeorm';
import { loadProxyConfig } from '../config';
import { proxyDataSourceOptions } from './data-source';

export default new DataSource(proxyDataSourceOptions(loadProxyConfig().DATABASE_URL, 1));
