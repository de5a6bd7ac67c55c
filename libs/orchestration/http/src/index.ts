export * from './orchestration-http.module';
export { foldSnapshot } from './stream/job-streams';
