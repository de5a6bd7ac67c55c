export * from './orchestration.contracts';
