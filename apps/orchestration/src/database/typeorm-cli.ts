// Entry for the TypeORM CLI (`nx run orchestration:migration-generate`), compiled to dist first.
import { DataSource } from 'typeorm';
import { loadOrchestrationConfig } from '../config';
import { orchestrationDataSourceOptions } from './data-source';

export default new DataSource(orchestrationDataSourceOptions(loadOrchestrationConfig().DATABASE_URL, 1));
