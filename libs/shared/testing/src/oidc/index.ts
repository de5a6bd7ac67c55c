export * from './jwks-server';
export * from './oidc-provider';
