export * from './recording-server';
export * from './data-cluster';
export * from './third-party-api';
export * from './s3-server';
