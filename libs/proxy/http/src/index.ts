export * from './proxy-http.module';
export * from './passthrough';
