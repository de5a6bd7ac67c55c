import { ConfigError, bool, int, oneOf, readConfig, str, url } from '@alien/config';
import { commonServiceSpecs } from '@alien/nest-service';
import { KeyRing, KeyRingError } from '@alien/secrets';

export const CATALOG_HEALTH_PORT = 3402;

export const STORAGE_DRIVERS = ['local', 's3'] as const;
/** 5 GiB: the largest single object S3 accepts in one PUT, and the default per-file limit. */
export const DEFAULT_MAX_ENTRY_FILE_BYTES = 5 * 1024 ** 3;

/** Variables the catalog's credential key ring needs (the service and the CLI alike). */
function keyRingSpecs() {
  return {
    /**
     * AES-256-GCM keys for secrets at rest (the platform's ring, shared with orchestration and the proxy):
     * `id:base64key,id:base64key`, newest first (it seals; every key opens). The catalog seals AI model
     * API keys (bound to `ai-model:<id>`) and the short-lived file tickets it hands the gateway. Rotate:
     * add a key in front, roll out, run `cli.js reencrypt-credentials`, then drop the old key.
     */
    SECRETS_KEY_RING: str({ secret: true }),
  };
}

export function catalogSpecs() {
  return {
    ...commonServiceSpecs(CATALOG_HEALTH_PORT),
    ...keyRingSpecs(),
    /** Where entry files are stored: `local` (a directory) or `s3` (any S3-compatible bucket). */
    STORAGE_DRIVER: oneOf(STORAGE_DRIVERS, { default: 'local' }),
    /** `local` driver: the directory (relative to the working directory, or absolute). */
    STORAGE_DIR: str({ default: '.data/storage' }),
    /** `s3` driver: endpoint of an S3-compatible server (unset: AWS S3 in S3_REGION). */
    S3_ENDPOINT: url({ optional: true, protocols: ['http', 'https'] }),
    S3_REGION: str({ default: 'us-east-1' }),
    S3_BUCKET: str({ optional: true, pattern: /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/ }),
    /** Prepended to every object key (e.g. `catalog/`), so a bucket can be shared. */
    S3_KEY_PREFIX: str({ default: '', pattern: /^([A-Za-z0-9._-]+\/)*$/ }),
    /** Path-style URLs (`endpoint/bucket/key`): MinIO, s3rver and most S3-compatible servers need them. */
    S3_FORCE_PATH_STYLE: bool({ default: false }),
    /** Static credentials; unset: the AWS SDK's default chain (environment, IRSA, instance profile). */
    S3_ACCESS_KEY_ID: str({ optional: true, secret: true }),
    S3_SECRET_ACCESS_KEY: str({ optional: true, secret: true }),
    /** Largest entry file accepted; larger uploads are refused with 413 (before any byte when declared). */
    MAX_ENTRY_FILE_BYTES: int({ default: DEFAULT_MAX_ENTRY_FILE_BYTES, min: 1, max: 5 * 1024 ** 4 }),
    /**
     * How the gateway reaches this service's HTTP port for file bytes (e.g. `http://catalog:3402` in
     * Kubernetes). Unset: `http://127.0.0.1:<the port it listens on>`, right when everything runs on one host.
     */
    FILES_INTERNAL_URL: url({ optional: true, protocols: ['http', 'https'] }),
    /** Lifetime of a file ticket: the gateway starts streaming within it (the transfer itself may last longer). */
    FILE_TICKET_TTL_SEC: int({ default: 60, min: 5, max: 3_600 }),
    /** How long an upload may take before its half-written object counts as abandoned and is swept. */
    UPLOAD_LEASE_SEC: int({ default: 86_400, min: 60, max: 7 * 86_400 }),
    /** How often storage garbage (objects of deleted entries, abandoned uploads) is retried. */
    STORAGE_SWEEP_INTERVAL_MS: int({ default: 60_000, min: 1_000, max: 3_600_000 }),
    /** Timeout of the catalog's own requests to orchestration (cluster visibility). */
    ORCHESTRATION_RPC_TIMEOUT_MS: int({ default: 5_000, min: 50, max: 60_000 }),
  };
}

/** Names the variable, never the value (a malformed entry's "id" may be key material). */
function checkKeyRing(spec: string): void {
  try {
    new KeyRing(spec);
  } catch (e) {
    if (e instanceof KeyRingError) throw new ConfigError('Invalid configuration: SECRETS_KEY_RING (secret, value hidden) must be id:base64(32 bytes)[,…]');
    throw e;
  }
}

export function loadCatalogConfig(source: NodeJS.ProcessEnv = process.env) {
  const config = readConfig(catalogSpecs(), source);
  checkKeyRing(config.SECRETS_KEY_RING);
  if (config.STORAGE_DRIVER === 's3' && !config.S3_BUCKET) throw new ConfigError('Invalid configuration: S3_BUCKET is required when STORAGE_DRIVER=s3');
  if (Boolean(config.S3_ACCESS_KEY_ID) !== Boolean(config.S3_SECRET_ACCESS_KEY)) {
    throw new ConfigError('Invalid configuration: set both S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY, or neither');
  }
  return config;
}

export type CatalogConfig = ReturnType<typeof loadCatalogConfig>;

/** Migrations (`migrate.js`, the Kubernetes Job, the TypeORM CLI) need only the database. */
export function loadCatalogDatabaseConfig(source: NodeJS.ProcessEnv = process.env) {
  return readConfig(commonServiceSpecs(CATALOG_HEALTH_PORT), source);
}

/** The admin CLI (`node dist/apps/catalog/src/cli.js …`): the database and the key ring. */
export function loadCatalogCliConfig(source: NodeJS.ProcessEnv = process.env) {
  const config = readConfig({ ...commonServiceSpecs(CATALOG_HEALTH_PORT), ...keyRingSpecs() }, source);
  checkKeyRing(config.SECRETS_KEY_RING);
  return config;
}
