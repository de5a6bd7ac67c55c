export * from './key-ring';
export * from './identity-assertion';
export * from './platform-call';
