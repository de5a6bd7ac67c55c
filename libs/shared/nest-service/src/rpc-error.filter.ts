import { ApiError, ApiErrorPayload } from '@alien/envelope';
import { mapDatabaseError } from '@alien/persistence';
import { ArgumentsHost, Catch, ExceptionFilter, HttpException } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { PinoLogger } from 'nestjs-pino';
import { Observable, throwError } from 'rxjs';

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
    // 5xx: an outage worth a log line; invalid_value: input that slipped past edge validation.
    if (mapped.status >= 500 || mapped.code === 'invalid_value') log?.(exception);
    return mapped.toPayload();
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
