export * from './loopback';
export * from './openai-server';
export * from './counting-server';
export * from './data-cluster-server';
