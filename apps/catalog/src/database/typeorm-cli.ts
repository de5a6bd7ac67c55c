// Entry for the TypeORM CLI (`nx run catalog:migration-generate`), compiled to dist first.
import { DataSource } from 'typeorm';
import { loadCatalogConfig } from '../config';
import { catalogDataSourceOptions } from './data-source';

export default new DataSource(catalogDataSourceOptions(loadCatalogConfig().DATABASE_URL, 1));
