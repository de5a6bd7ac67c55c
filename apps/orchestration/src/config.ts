import { ConfigError, int, readConfig, str } from '@alien/config';
import { commonServiceSpecs } from '@alien/nest-service';
import { KeyRing, KeyRingError } from '@alien/secrets';

export const ORCHESTRATION_HEALTH_PORT = 3403;

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
