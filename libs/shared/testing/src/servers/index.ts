// loopback.ts (engine specs) and recording-server.ts (proxy specs) overlap; both stay until one absorbs the other.
export { startLoopback, waitOrClose, type Loopback, type RecordedRequest } from './loopback';
export * from './openai-server';
export * from './counting-server';
export * from './data-cluster-server';
export * from './recording-server';
export * from './data-cluster';
export * from './third-party-api';
export * from './s3-server';
