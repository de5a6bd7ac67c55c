export * from './rpc';
export * from './services';
export * from './identity';
