import { int, readConfig, str, url } from '@alien/config';

/** Settings of caller authentication, shared by every edge that authenticates (gateway, proxy). */
export function identitySpecs() {
  return {
    NATS_URL: url({ default: 'nats://127.0.0.1:4222', protocols: ['nats', 'tls'] }),
    NATS_SUBJECT_PREFIX: str({ default: '', pattern: /^([A-Za-z0-9_-]+\.)?$/ }),
    /** This app's NATS user and password (deploy/nats/nats-server.conf); unset for an open server. */
    NATS_USER: str({ optional: true }),
    NATS_PASSWORD: str({ optional: true, secret: true }),
    /** How long a verified credential's principal is reused (auth events evict it earlier). 0 disables. */
    AUTH_CACHE_TTL_MS: int({ default: 30_000, min: 0, max: 3_600_000 }),
    AUTH_CACHE_MAX_ENTRIES: int({ default: 10_000, min: 1, max: 1_000_000 }),
    /** OIDC issuer whose JWT access tokens are accepted (Authentik: …/application/o/<slug>/). Unset: JWTs are refused. */
    OIDC_ISSUER: url({ optional: true, protocols: ['http', 'https'] }),
    /** When set, a JWT's `aud` must contain it. */
    OIDC_AUDIENCE: str({ optional: true }),
    /** Overrides the `jwks_uri` found by discovery at <issuer>/.well-known/openid-configuration. */
    OIDC_JWKS_URI: url({ optional: true, protocols: ['http', 'https'] }),
    /** Leeway for `exp` and `nbf`, for clocks that drift. */
    OIDC_CLOCK_TOLERANCE_SEC: int({ default: 30, min: 0, max: 300 }),
    /** Accepted JWS algorithms: asymmetric ones only, comma separated. */
    OIDC_ALGORITHMS: str({ default: 'RS256,ES256,PS256', pattern: /^\s*(?:RS|PS|ES)(?:256|384|512)\s*(?:,\s*(?:RS|PS|ES)(?:256|384|512)\s*)*$/ }),
  };
}

export type IdentityConfig = ReturnType<typeof readIdentityConfig>;

export function readIdentityConfig(source: NodeJS.ProcessEnv) {
  return readConfig(identitySpecs(), source);
}

/** The IdentityConfig an edge app registered (IdentityModule.forRoot). */
export const IDENTITY_CONFIG = Symbol('IDENTITY_CONFIG');
