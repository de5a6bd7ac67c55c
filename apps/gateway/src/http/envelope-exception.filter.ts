import { ApiError, ErrorEnvelope, failure } from '@alien/envelope';
import { ArgumentsHost, Catch, ExceptionFilter, HttpException, NotFoundException } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { PinoLogger } from 'nestjs-pino';
import { rawRequest, requestIdOf } from './request-context';
import { RouteTable } from './route-table';

interface TransportError {
  statusCode?: number;
  status?: number;
  code?: string;
  type?: string;
  message?: string;
}

/** Body-parser and Fastify errors arrive as plain errors with a status: give each its envelope. */
function fromTransportError(error: TransportError, bodyLimit: number): ApiError | null {
  const status = error.statusCode ?? error.status;
  if (typeof status !== 'number' || status < 400 || status >= 500) return null;
  if (status === 413 || error.type === 'entity.too.large' || error.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return new ApiError(413, `Request body is larger than ${bodyLimit} bytes`);
  }
  if (status === 415 || error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    return new ApiError(415, 'Send request bodies as application/json');
  }
  if (
    error.type === 'entity.parse.failed' ||
    error.code === 'FST_ERR_CTP_INVALID_JSON_BODY' ||
    error.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' ||
    /JSON/i.test(error.message ?? '')
  ) {
    return new ApiError(400, 'Malformed JSON body', 'malformed_json');
  }
  return new ApiError(status, undefined);
}

/**
 * The gateway's single exit for errors: every failure becomes an envelope with the right status,
 * never a stack trace. Unexpected errors are logged (with the request id) and answered as a bare 500.
 */
@Catch()
export class EnvelopeExceptionFilter implements ExceptionFilter {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly routes: RouteTable,
    private readonly logger: PinoLogger,
    private readonly bodyLimit: number,
  ) {
    logger.setContext('Gateway');
  }

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const req = http.getRequest();
    const res = http.getResponse();
    const adapter = this.adapterHost.httpAdapter;
    const headers: Record<string, string> = {};
    const envelope = this.toEnvelope(exception, req, headers);
    headers['x-request-id'] = requestIdOf(rawRequest(req));
    if (envelope.error.status === 401) headers['www-authenticate'] = headers['www-authenticate'] ?? 'Bearer';
    for (const [name, value] of Object.entries(headers)) adapter.setHeader(res, name, value);
    adapter.reply(res, envelope, envelope.error.status);
  }

  private toEnvelope(exception: unknown, req: unknown, headers: Record<string, string>): ErrorEnvelope {
    if (exception instanceof ApiError) {
      if (exception.status === 401 && exception.code !== 'unauthenticated') {
        headers['www-authenticate'] = `Bearer error="invalid_token"`;
      }
      return exception.toEnvelope();
    }
    if (exception instanceof NotFoundException) {
      // Nest's not-found handler: the route is unknown. A known path with another method → 405.
      const raw = rawRequest(req);
      const allowed = this.routes.allowedMethods(raw.url ?? '/');
      if (allowed.length) {
        headers['allow'] = allowed.join(', ');
        return failure(405, `Method ${raw.method} is not allowed here; use ${allowed.join(', ')}`);
      }
      return failure(404, 'Route not found', 'route_not_found');
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      if (status >= 500) this.logger.error({ err: exception }, 'unexpected HTTP exception');
      return failure(status, status >= 500 ? undefined : exception.message);
    }
    const transport = fromTransportError((exception ?? {}) as TransportError, this.bodyLimit);
    if (transport) return transport.toEnvelope();
    this.logger.error({ err: exception }, 'unhandled error');
    return failure(500);
  }
}
