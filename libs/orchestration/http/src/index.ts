export * from './orchestration-http.module';
