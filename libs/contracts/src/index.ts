export * from './rpc';
export * from './services';
export * from './catalog';
export * from './auth';
