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
];

/**
 * Keys blanked wherever they appear at the top of a log object or one level down (what pino's
 * `*.password` wildcard paths did: those cost ~8 µs per line, more than the rest of the line).
 */
export const REDACTED_KEYS: ReadonlySet<string> = new Set([
  'password',
  'token',
  'secret',
  'accessToken',
  'refreshToken',
  'apiKey',
  'credential',
  'credentials',
  'authorization',
]);

const CENSOR = '[redacted]';

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Error);
}

/** The log object with sensitive keys blanked (copied where changed, never mutated). */
export function redactKeys(obj: Record<string, unknown>): Record<string, unknown> {
  let out: Record<string, unknown> | undefined;
  for (const key in obj) {
    const value = obj[key];
    let replaced: unknown = value;
    if (REDACTED_KEYS.has(key) && value !== undefined && value !== null) replaced = CENSOR;
    else if (isPlainObject(value)) {
      let inner: Record<string, unknown> | undefined;
      for (const k in value) {
        if (REDACTED_KEYS.has(k) && value[k] !== undefined && value[k] !== null) (inner ??= { ...value })[k] = CENSOR;
      }
      if (inner) replaced = inner;
    }
    if (replaced !== value) (out ??= { ...obj })[key] = replaced;
  }
  return out ?? obj;
}

/** How often buffered log lines are written out at the latest. */
const FLUSH_EVERY_MS = 250;

/**
 * stdout through an asynchronous, buffered SonicBoom: lines are written in ~4 KB batches (or every
 * 250 ms, and on exit) instead of one write(2) per line, which cost 22 % of the gateway's throughput
 * at `info` (bench P1). Lines a test or an operator waits for are flushed at once by `flushLogs()`.
 */
function bufferedStdout(): pino.DestinationStream {
  const destination = pino.destination({ dest: 1, sync: false, minLength: 4_096 });
  const flush = () => {
    try {
      destination.flush();
    } catch {
      /* not ready yet, or closed: the next tick or exit flushes */
    }
  };
  setInterval(flush, FLUSH_EVERY_MS).unref();
  process.once('exit', () => {
    try {
      destination.flushSync();
    } catch {
      /* the stream was never opened or is closed: nothing buffered */
    }
  });
  return destination;
}

/**
 * The process's root logger: JSON, service name, ISO time, credentials redacted, the NATS request's
 * context on every line. Writes to a buffered stdout unless given another destination (tests).
 */
export function createRootLogger(service: string, level = 'info', extra: LoggerOptions = {}, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      name: service,
      level,
      base: { service },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACT_PATHS, censor: CENSOR },
      formatters: { level: (label) => ({ level: label }), log: redactKeys },
      // Lines written while a service handles a NATS request carry its request id, user and organization.
      mixin: () => rpcLogContext.getStore() ?? {},
      ...extra,
    },
    destination ?? bufferedStdout(),
  );
}

/** Writes out buffered lines now: after the lines someone waits for ("service ready", "listening"). */
export function flushLogs(logger: Logger): void {
  try {
    logger.flush();
  } catch {
    /* destination not ready: the periodic flush writes it */
  }
}
