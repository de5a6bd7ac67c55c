export * from './api-error';
export * from './envelope';
export * from './pagination';
