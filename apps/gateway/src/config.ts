import { int, oneOf, readConfig, str, url } from '@alien/config';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export function gatewaySpecs() {
  return {
    PORT: int({ default: 3333, min: 0, max: 65535 }),
    HOST: str({ default: '0.0.0.0' }),
    HTTP_ADAPTER: oneOf(['fastify', 'express'] as const, { default: 'fastify' }),
    NATS_URL: url({ default: 'nats://127.0.0.1:4222', protocols: ['nats', 'tls'] }),
    NATS_SUBJECT_PREFIX: str({ default: '', pattern: /^([A-Za-z0-9_-]+\.)?$/ }),
    /** How long the gateway waits for a service's reply before answering 504. */
    RPC_TIMEOUT_MS: int({ default: 5_000, min: 50, max: 600_000 }),
    /** Largest accepted request body; larger bodies get a 413 envelope. */
    BODY_LIMIT_BYTES: int({ default: 1_048_576, min: 1_024, max: 104_857_600 }),
    LOG_LEVEL: oneOf(LOG_LEVELS, { default: 'info' }),
    /** How long a verified credential's principal is reused (auth events evict it earlier). 0 disables. */
    AUTH_CACHE_TTL_MS: int({ default: 30_000, min: 0, max: 3_600_000 }),
    AUTH_CACHE_MAX_ENTRIES: int({ default: 10_000, min: 1, max: 1_000_000 }),
    /** Public base URL shown in the OpenAPI document. */
    PUBLIC_URL: url({ default: 'http://localhost:3333', protocols: ['http', 'https'] }),
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

export function loadGatewayConfig(source: NodeJS.ProcessEnv = process.env) {
  return readConfig(gatewaySpecs(), source);
}

export type GatewayConfig = ReturnType<typeof loadGatewayConfig>;
export const GATEWAY_CONFIG = Symbol('GATEWAY_CONFIG');
