export * from './metadata-schema';
