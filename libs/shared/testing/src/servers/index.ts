// loopback.ts (engine specs) and recording-server.ts (proxy specs) overlap; both stay until one absorbs the other.
export * from './loopback';
export * from './openai-server';
export * from './counting-server';
export * from './data-cluster-server';
// recording-server has its own `Handler` and `sendJson` (same shapes as loopback's); exported under its names.
export {
  type ReceivedRequest,
  type RecordingServer,
  type Handler as RecordingHandler,
  readBody,
  sendJson as sendRecordedJson,
  streamBytes,
  startRecordingServer,
} from './recording-server';
export * from './data-cluster';
export * from './third-party-api';
export * from './s3-server';
