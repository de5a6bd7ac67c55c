import { serviceDataSourceOptions } from '@alien/persistence';
import { DataSourceOptions } from 'typeorm';
import { ClusterEntity } from '../clusters/entities/cluster.entity';
import { CreateClusters1764600000000 } from './migrations/1764600000000-CreateClusters';
import { CreateWorkflowsAndJobs1764700000000 } from './migrations/1764700000000-CreateWorkflowsAndJobs';
import { FinishJobWithNodes1764800000000 } from './migrations/1764800000000-FinishJobWithNodes';
import { RunWorkflow1764900000000 } from './migrations/1764900000000-RunWorkflow';
import { AdmitOnInsert1765000000000 } from './migrations/1765000000000-AdmitOnInsert';

export const ORCHESTRATION_SCHEMA = 'orchestration';
// Workflows, presets and jobs are read and written with plain SQL (the job hot path): no entities.
export const ORCHESTRATION_ENTITIES = [ClusterEntity];
export const ORCHESTRATION_MIGRATIONS = [CreateClusters1764600000000, CreateWorkflowsAndJobs1764700000000, FinishJobWithNodes1764800000000, RunWorkflow1764900000000, AdmitOnInsert1765000000000];

/** The one DataSource definition: the Nest module, the migrate entry point and the TypeORM CLI use it. */
export function orchestrationDataSourceOptions(url: string, poolSize?: number): DataSourceOptions {
  return serviceDataSourceOptions({
    schema: ORCHESTRATION_SCHEMA,
    url,
    poolSize,
    entities: ORCHESTRATION_ENTITIES,
    migrations: ORCHESTRATION_MIGRATIONS,
  });
}
