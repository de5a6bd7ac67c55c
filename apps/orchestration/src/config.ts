import { ConfigError, int, oneOf, readConfig, str, url } from '@alien/config';
import { commonServiceSpecs } from '@alien/nest-service';
import { KeyRing, KeyRingError } from '@alien/secrets';

export const ORCHESTRATION_HEALTH_PORT = 3403;
export const ORCHESTRATION_ROLES = ['api', 'worker', 'all'] as const;
export type OrchestrationRole = (typeof ORCHESTRATION_ROLES)[number];

const MS_LIST = /^\s*\d+\s*(,\s*\d+\s*)*$/;

export function orchestrationSpecs() {
  return {
    ...commonServiceSpecs(ORCHESTRATION_HEALTH_PORT),
    /**
     * AES-256-GCM keys for secrets at rest (cluster credentials): `id:base64key,…`, newest first.
     * The proxy holds the same ring: it opens the sealed credential a route carries.
     */
    SECRETS_KEY_RING: str({ secret: true }),
    /** How often each cluster's health path is polled (by one replica at a time). */
    CLUSTER_HEALTH_INTERVAL_MS: int({ default: 30_000, min: 100, max: 3_600_000 }),
    /** How long one health check may take before the cluster counts as offline. */
    CLUSTER_HEALTH_TIMEOUT_MS: int({ default: 5_000, min: 50, max: 60_000 }),
    /**
     * ES256 keys (`kid:base64 PKCS#8,…`, newest first) that sign the `x-alien-identity` assertion the
     * workers send to data clusters (the proxy's ring, so clusters verify one JWKS). Unset: cluster
     * search nodes fail with `service_unavailable`.
     */
    IDENTITY_ASSERTION_KEYS: str({ optional: true, secret: true }),
    /** The proxy's data plane: `external_api` nodes call its internal route for platform services. */
    PROXY_URL: url({ default: 'http://127.0.0.1:3404', protocols: ['http', 'https'] }),
    /** How long a worker waits for another service (the catalog, the proxy's control plane) to answer. */
    SERVICE_RPC_TIMEOUT_MS: int({ default: 10_000, min: 100, max: 120_000 }),
    /** `api` answers NATS requests, `worker` executes jobs, `all` (npm start) does both. */
    ORCHESTRATION_ROLE: oneOf(ORCHESTRATION_ROLES, { default: 'all' }),
    /** Name of this worker in compute contexts and logs (default: hostname and pid). */
    WORKER_ID: str({ optional: true }),
    /** Jobs one worker process runs at once. */
    WORKER_CONCURRENCY: int({ default: 16, min: 1, max: 1_000 }),
    /** Jobs of one organization admitted to the queue at once; more wait as `pending`, never refused. */
    ORG_CONCURRENCY_LIMIT: int({ default: 20, min: 1, max: 10_000 }),
    /** A worker that stops heart-beating this long loses its job to another (JetStream ack wait). */
    JOB_ACK_WAIT_MS: int({ default: 30_000, min: 1_000, max: 600_000 }),
    /** Deliveries of one job before it fails with a dead-letter reason. */
    JOB_MAX_ATTEMPTS: int({ default: 5, min: 1, max: 100 }),
    /** Delays before retrying a job whose worker hit an infrastructure error (ms, comma separated, last repeats). */
    JOB_RETRY_BACKOFF_MS: str({ default: '1000,5000,15000,30000', pattern: MS_LIST }),
    /** How often the outbox relay looks for admitted jobs that never reached the queue, and for stale leases. */
    OUTBOX_SWEEP_MS: int({ default: 1_000, min: 50, max: 60_000 }),
    /** A node that runs longer fails (`node_timeout`). */
    NODE_TIMEOUT_MS: int({ default: 120_000, min: 100, max: 3_600_000 }),
    /** A node output larger than this is cut and marked `truncated: true`. */
    NODE_OUTPUT_MAX_BYTES: int({ default: 1_048_576, min: 1_024, max: 104_857_600 }),
    /** Outbound `http_request` targets allowed although private/loopback/link-local (hosts or CIDRs, comma separated). */
    HTTP_REQUEST_ALLOWLIST: str({ default: '' }),
    /** Response size and time caps of outbound `http_request` nodes. */
    HTTP_REQUEST_MAX_BYTES: int({ default: 10_485_760, min: 1_024, max: 104_857_600 }),
    HTTP_REQUEST_TIMEOUT_MS: int({ default: 30_000, min: 100, max: 600_000 }),
    /** Nesting depth of `subworkflow` nodes. */
    SUBWORKFLOW_MAX_DEPTH: int({ default: 3, min: 1, max: 20 }),
    /** How long job events stay in JetStream (SSE resume and replay), and how many per job. */
    JOB_EVENTS_MAX_AGE_SEC: int({ default: 86_400, min: 60, max: 30 * 86_400 }),
    JOB_EVENTS_MAX_PER_JOB: int({ default: 10_000, min: 100, max: 1_000_000 }),
    /** How long an Idempotency-Key of a run is remembered. */
    IDEMPOTENCY_TTL_SEC: int({ default: 86_400, min: 60, max: 7 * 86_400 }),
  };
}


export function loadOrchestrationConfig(source: NodeJS.ProcessEnv = process.env) {
  const config = readConfig(orchestrationSpecs(), source);
  try {
    new KeyRing(config.SECRETS_KEY_RING);
  } catch (e) {
    // Names the variable, never the value (a malformed entry's "id" may be key material).
    if (e instanceof KeyRingError) {
      throw new ConfigError('Invalid configuration: SECRETS_KEY_RING (secret, value hidden) must be id:base64(32 bytes)[,…]');
    }
    throw e;
  }
  return config;
}

export type OrchestrationConfig = ReturnType<typeof loadOrchestrationConfig>;
export const ORCHESTRATION_CONFIG = Symbol('ORCHESTRATION_CONFIG');
