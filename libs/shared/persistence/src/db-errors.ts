import { ApiError } from '@alien/envelope';

interface PgLikeError {
  code?: string;
  constraint?: string;
  detail?: string;
  driverError?: PgLikeError;
}

/** Postgres SQLSTATE classes that mean "the database is not reachable or not accepting work". */
const UNAVAILABLE_CODES = new Set(['57P01', '57P02', '57P03', '53300', '08000', '08001', '08003', '08004', '08006']);
const NODE_NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH']);

/**
 * Maps a database failure to the ApiError a caller should see, or null when it is a bug (500).
 * Unique violations → 409, unreachable database → 503, statement timeout → 503.
 */
export function mapDatabaseError(error: unknown): ApiError | null {
  if (typeof error !== 'object' || error === null) return null;
  const e = error as PgLikeError & { message?: string };
  const pg = e.driverError ?? e;
  const code = pg.code ?? e.code;
  if (code === '23505') return ApiError.conflict('A resource with the same unique value already exists', 'conflict');
  if (code === '23503') return ApiError.conflict('The resource is still referenced', 'conflict');
  // Class 22 "data exception" (NUL in text, number out of range, value too long…): a value got past
  // validation at the edge. The caller's input, not an outage.
  if (code && /^22[0-9A-Z]{3}$/.test(code)) {
    return new ApiError(400, 'A value in the request was rejected as invalid', 'invalid_value');
  }
  if (code === '57014') return ApiError.unavailable('The database took too long to answer', 'database_timeout');
  if (code && (UNAVAILABLE_CODES.has(code) || NODE_NETWORK_CODES.has(code))) {
    return ApiError.unavailable('The database is unavailable', 'database_unavailable');
  }
  const message = e.message ?? '';
  if (
    /Connection terminated|timeout exceeded when trying to connect|Connection refused|connect ECONNREFUSED|Client has encountered a connection error/i.test(
      message,
    )
  ) {
    return ApiError.unavailable('The database is unavailable', 'database_unavailable');
  }
  return null;
}
