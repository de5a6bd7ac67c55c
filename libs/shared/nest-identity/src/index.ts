export * from './identity-config';
export * from './identity.module';
export * from './identity.guard';
export * from './identity.service';
export * from './principal-cache';
export * from './jwt/jwt-verifier';
