export * from './envelope-response';
export * from './forward';
