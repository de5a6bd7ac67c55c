import { int, oneOf, readConfig, str, url } from '@alien/config';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Variables every service reads; each service adds its own next to these. */
export function commonServiceSpecs(defaultHealthPort: number) {
  return {
    NATS_URL: url({ default: 'nats://127.0.0.1:4222', protocols: ['nats', 'tls'] }),
    NATS_SUBJECT_PREFIX: str({ default: '', pattern: /^([A-Za-z0-9_-]+\.)?$/ }),
    /** This service's NATS user and password (deploy/nats/nats-server.conf); unset for an open server. */
    NATS_USER: str({ optional: true }),
    NATS_PASSWORD: str({ optional: true, secret: true }),
    DATABASE_URL: url({ default: 'postgres://postgres@127.0.0.1:5432/alien', protocols: ['postgres', 'postgresql'], secret: true }),
    DATABASE_POOL_SIZE: int({ default: 10, min: 1, max: 200 }),
    /** Postgres statement_timeout: keep it below the gateway's RPC_TIMEOUT_MS (5 s) so a stuck query fails first. */
    DATABASE_STATEMENT_TIMEOUT_MS: int({ default: 4_000, min: 100, max: 600_000 }),
    HOST: str({ default: '127.0.0.1' }),
    HEALTH_PORT: int({ default: defaultHealthPort, min: 0, max: 65535 }),
    LOG_LEVEL: oneOf(LOG_LEVELS, { default: 'info' }),
    /** On SIGTERM, how long messages in flight may take to be answered (below terminationGracePeriodSeconds, 30 s). */
    SHUTDOWN_GRACE_MS: int({ default: 20_000, min: 0, max: 120_000 }),
  };
}

export type CommonServiceConfig = ReturnType<typeof readCommonServiceConfig>;

export function readCommonServiceConfig(defaultHealthPort: number, source: NodeJS.ProcessEnv = process.env) {
  return readConfig(commonServiceSpecs(defaultHealthPort), source);
}
