export * from './base-url';
export * from './headers';
export * from './subpath';
export * from './egress';
