// Entry for the TypeORM CLI (`nx run catalog:migration-generate`), compiled to dist first.
import { DataSource } from 'typeorm';
import { loadCatalogDatabaseConfig } from '../config';
import { catalogDataSourceOptions } from './data-source';

export default new DataSource(catalogDataSourceOptions(loadCatalogDatabaseConfig().DATABASE_URL, 1));
