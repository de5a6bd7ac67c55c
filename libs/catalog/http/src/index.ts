export * from './catalog-http.module';
