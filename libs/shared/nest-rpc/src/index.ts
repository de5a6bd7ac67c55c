export * from './nats-transport';
export * from './rpc-client';
export * from './rpc-handler.decorator';
