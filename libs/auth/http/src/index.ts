export * from './auth-http.module';
