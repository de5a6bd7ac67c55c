export * from './views';
export * from './datasets';
export * from './entries';
export * from './collections';
export * from './ai-models';
export * from './catalog.contracts';
