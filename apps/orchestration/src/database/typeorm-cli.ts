// Entry for the TypeORM CLI (`nx run orchestration:migration-generate`), compiled to dist first.
import { readCommonServiceConfig } from '@alien/nest-service';
import { DataSource } from 'typeorm';
import { ORCHESTRATION_HEALTH_PORT } from '../config';
import { orchestrationDataSourceOptions } from './data-source';

export default new DataSource(orchestrationDataSourceOptions(readCommonServiceConfig(ORCHESTRATION_HEALTH_PORT).DATABASE_URL, 1));
