
export * from './service-config';
export * from './service-core.module';
export * from './bootstrap';
export * from './health';
export * from './event-bus';
export * from './rpc-error.filter';
