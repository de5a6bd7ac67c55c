// Entry for the TypeORM CLI (`nx run auth:migration-generate`), compiled to dist first.
import { DataSource } from 'typeorm';
import { loadAuthConfig } from '../config';
import { authDataSourceOptions } from './data-source';

export default new DataSource(authDataSourceOptions(loadAuthConfig().DATABASE_URL, 1));
