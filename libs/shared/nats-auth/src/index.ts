export * from './nats-auth';
