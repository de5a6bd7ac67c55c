export * from './orchestration.contracts';
export * from './workflows.contracts';
export * from './jobs.contracts';
