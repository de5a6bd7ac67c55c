import { rpcLogContext } from '@alien/nest-rpc';
import pino, { Logger, LoggerOptions } from 'pino';

export const ROOT_LOGGER = Symbol('ROOT_LOGGER');

/** Paths pino blanks in every log line: credentials never reach the logs. */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-oauth-access-token"]',
  'req.headers["x-api-key"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.token',
  '*.secret',
  '*.accessToken',
  '*.refreshToken',
  '*.apiKey',
  '*.credentials',
  'data.token',
  'data.secret',
];

export function createRootLogger(service: string, level = 'info', extra: LoggerOptions = {}): Logger {
  return pino({
    name: service,
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    formatters: { level: (label) => ({ level: label }) },
    // Lines written while a service handles a NATS request carry its request id, user and organization.
    mixin: () => rpcLogContext.getStore() ?? {},
    ...extra,
  });
}
