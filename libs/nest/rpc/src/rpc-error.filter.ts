import { ApiError, ApiErrorPayload } from '@alien/envelope';
import { mapDatabaseError } from '@alien/persistence';
import { ArgumentsHost, Catch, ExceptionFilter, HttpException } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { PinoLogger } from 'nestjs-pino';
import { Observable, throwError } from 'rxjs';

/**
 * Postgres SQLSTATE class 22 ("data exception": a NUL byte in text, a number out of range, a string
 * too long for its column…) means a value got past validation at the edge. It is the caller's input,
 * not our outage: 400, logged so the missing validation gets added.
 */
function dataException(exception: unknown): ApiError | null {
  const e = exception as { code?: unknown; driverError?: { code?: unknown } } | null;
  const code = e?.driverError?.code ?? e?.code;
  if (typeof code !== 'string' || !/^22[0-9A-Z]{3}$/.test(code)) return null;
  return new ApiError(400, 'A value in the request was rejected as invalid', 'invalid_value');
}

/** Serialises any error thrown by a NATS handler into an ApiErrorPayload; logs the unexpected ones. */
export function toErrorPayload(exception: unknown, log?: (err: unknown) => void): ApiErrorPayload {
  if (exception instanceof ApiError) return exception.toPayload();
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    if (status >= 500 && status !== 503) log?.(exception);
    return new ApiError(status, status === 500 ? undefined : exception.message).toPayload();
  }
  const mapped = mapDatabaseError(exception);
  if (mapped) {
    if (mapped.status >= 500) log?.(exception);
    return mapped.toPayload();
  }
  const invalid = dataException(exception);
  if (invalid) {
    log?.(exception);
    return invalid.toPayload();
  }
  log?.(exception);
  return new ApiError(500, 'Internal server error', 'internal').toPayload();
}

/**
 * Services' global filter. NATS handlers: the error travels back as an ApiErrorPayload.
 * HTTP (services only serve health over HTTP): the same payload as an error envelope.
 */
@Catch()
export class RpcErrorFilter implements ExceptionFilter<unknown> {
  constructor(
    private readonly logger: PinoLogger,
    private readonly adapterHost: HttpAdapterHost,
  ) {
    logger.setContext(RpcErrorFilter.name);
  }

  catch(exception: unknown, host: ArgumentsHost): Observable<never> | void {
    const payload = toErrorPayload(exception, (err) => this.logger.error({ err }, 'handler failed'));
    if (host.getType() === 'rpc') return throwError(() => payload);
    const envelope = ApiError.fromPayload(payload).toEnvelope();
    this.adapterHost.httpAdapter.reply(host.switchToHttp().getResponse(), envelope, payload.status);
  }
}
