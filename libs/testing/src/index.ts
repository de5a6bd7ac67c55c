export * from './workspace';
export * from './db';
export * from './process';
export * from './nats-server';
export * from './platform';
export * from './tcp-proxy';
export * from './http';
