export * from './logger';
export * from './run-main';
export * from './shutdown';
