export * from './data-source';
export * from './db-errors';
export * from './migrate-cli';
export * from './paging';
export * from './base.entity';
export * from './unique-slug';
export * from './typeorm-logger';
