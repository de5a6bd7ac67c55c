export * from './auth.contracts';
