import { ConfigError, int, readConfig, str } from '@alien/config';
import { AssertionKeyError, AssertionKeyRing, DEFAULT_ASSERTION_ISSUER } from '@alien/identity-assertion';
import { identitySpecs } from '@alien/nest-identity';
import { commonServiceSpecs } from '@alien/nest-service';
import { KeyRing, KeyRingError } from '@alien/secrets';

/** The proxy's one HTTP port: probes and the data plane (the Service and the ingress point here). */
export const PROXY_HEALTH_PORT = 3404;

export function proxySpecs() {
  return {
    ...commonServiceSpecs(PROXY_HEALTH_PORT),
    // Caller authentication (tokens verified by auth over NATS, OIDC JWTs): the same settings as the gateway.
    ...identitySpecs(),
    /** How long a NATS request to another service (auth, orchestration) may take. */
    RPC_TIMEOUT_MS: int({ default: 5_000, min: 50, max: 600_000 }),
    /** AES-256-GCM keys for secrets at rest (connector secrets; opens cluster credentials): the same ring as orchestration's. */
    SECRETS_KEY_RING: str({ secret: true }),
    /** ES256 keys that sign `x-alien-identity`: `kid:base64(PKCS#8)`, comma separated, newest first (all published). */
    IDENTITY_ASSERTION_KEYS: str({ secret: true }),
    /** `iss` of the assertions (clusters check it). */
    IDENTITY_ASSERTION_ISSUER: str({ default: DEFAULT_ASSERTION_ISSUER }),
    /** Budget of a proxied GET, HEAD, PUT, PATCH, DELETE (and any other method but POST): until the upstream answers, and the longest silence inside its body. */
    CLUSTER_PROXY_TIMEOUT_MS: int({ default: 30_000, min: 50, max: 600_000 }),
    /** The same for POST. */
    CLUSTER_PROXY_POST_TIMEOUT_MS: int({ default: 120_000, min: 50, max: 600_000 }),
    /** Hard cap on one proxied exchange, streams included. */
    CLUSTER_PROXY_MAX_DURATION_MS: int({ default: 3_600_000, min: 100, max: 86_400_000 }),
    /** Largest request body forwarded to a cluster (413 beyond). */
    CLUSTER_PROXY_MAX_REQUEST_BYTES: int({ default: 104_857_600, min: 0, max: 10_737_418_240 }),
    /** How long an access decision is reused without a cluster event (events evict it at once). */
    CLUSTER_ROUTE_CACHE_TTL_MS: int({ default: 60_000, min: 0, max: 3_600_000 }),
    CLUSTER_ROUTE_CACHE_MAX_ENTRIES: int({ default: 50_000, min: 1, max: 1_000_000 }),
    /** Request-log records are written in batches, off the request path. */
    AUDIT_FLUSH_INTERVAL_MS: int({ default: 1_000, min: 10, max: 60_000 }),
    AUDIT_BATCH_SIZE: int({ default: 500, min: 1, max: 5_000 }),
    /** Records kept in memory while Postgres is away; beyond, the oldest are dropped (and counted in the log). */
    AUDIT_MAX_PENDING: int({ default: 100_000, min: 100, max: 10_000_000 }),
    /** Budget of an external-API call (GET/HEAD/PUT/PATCH/DELETE upstream, and POST). */
    EXTERNAL_API_TIMEOUT_MS: int({ default: 30_000, min: 50, max: 600_000 }),
    EXTERNAL_API_POST_TIMEOUT_MS: int({ default: 120_000, min: 50, max: 600_000 }),
    /** Largest request body forwarded to an external API (413 beyond). */
    EXTERNAL_API_MAX_REQUEST_BYTES: int({ default: 10_485_760, min: 0, max: 1_073_741_824 }),
    /** Largest answer of an external API: 413 when Content-Length says more, a cut connection when the stream passes it. */
    EXTERNAL_API_MAX_RESPONSE_BYTES: int({ default: 52_428_800, min: 1, max: 1_073_741_824 }),
  };
}

/** Names the variable, never the value (a malformed entry may be key material). */
function checkKeyRings(config: { SECRETS_KEY_RING: string; IDENTITY_ASSERTION_KEYS: string }): void {
  const problems: string[] = [];
  try {
    new KeyRing(config.SECRETS_KEY_RING);
  } catch (e) {
    if (!(e instanceof KeyRingError)) throw e;
    problems.push('SECRETS_KEY_RING (secret, value hidden) must be id:base64(32 bytes)[,…]');
  }
  try {
    new AssertionKeyRing(config.IDENTITY_ASSERTION_KEYS);
  } catch (e) {
    if (!(e instanceof AssertionKeyError)) throw e;
    problems.push(`IDENTITY_ASSERTION_KEYS (secret, value hidden): ${e.message}`);
  }
  if (problems.length) throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`);
}

export function loadProxyConfig(source: NodeJS.ProcessEnv = process.env) {
  const config = readConfig(proxySpecs(), source);
  checkKeyRings(config);
  return config;
}

export type ProxyConfig = ReturnType<typeof loadProxyConfig>;
export const PROXY_CONFIG = Symbol('PROXY_CONFIG');
