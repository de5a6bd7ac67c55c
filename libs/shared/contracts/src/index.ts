export * from './rpc';
export * from './services';
