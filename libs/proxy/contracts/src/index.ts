export * from './proxy.contracts';
