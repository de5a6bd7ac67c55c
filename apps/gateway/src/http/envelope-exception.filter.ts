import { ApiError, ERROR_CODES, ErrorEnvelope, failure } from '@alien/envelope';
import { ArgumentsHost, Catch, ExceptionFilter, HttpException, NotFoundException } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { PinoLogger } from 'nestjs-pino';
import { rawRequest, requestIdOf } from '@alien/nest-http';
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
  if (error.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || /Body cannot be empty/i.test(error.message ?? '')) {
    return new ApiError(400, 'The body is empty but content-type says JSON; send a JSON document', 'empty_body');
  }
  if (/not valid UTF-8/.test(error.message ?? '')) {
    return new ApiError(400, 'The body is not valid UTF-8 (JSON is UTF-8)', 'invalid_utf8');
  }
  // secure-json-parse refuses prototype-polluting keys in otherwise well-formed JSON: say so.
  if (/forbidden prototype property/i.test(error.message ?? '')) {
    return new ApiError(400, 'JSON keys "__proto__" and "constructor.prototype" are not accepted', 'forbidden_json_key');
  }
  if (
    error.type === 'entity.parse.failed' ||
    error.code === 'FST_ERR_CTP_INVALID_JSON_BODY' ||
    /JSON/i.test(error.message ?? '')
  ) {
    return new ApiError(400, 'Malformed JSON body', 'malformed_json');
  }
  return new ApiError(status, undefined);
}

/** What an unexpected error looks like in the log: enough to debug it (stack included), never in a response. */
function describeError(error: unknown): Record<string, unknown> {
  if (error instanceof Error) return { type: error.name, message: error.message, stack: error.stack };
  return { type: typeof error, message: String(error) };
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
    if (adapter.isHeadersSent(res)) {
      // Too late for an envelope (a response was already under way): cut the connection instead of
      // letting a second reply throw.
      this.logger.warn({ requestId: requestIdOf(rawRequest(req)), error: describeError(exception) }, 'error after the response started');
      rawRequest(req).socket?.destroy();
      return;
    }
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
      // Either Nest's not-found handler (no route for this method and path) or a handler saying the
      // thing is not there. A known path with another method → 405 with Allow.
      const raw = rawRequest(req);
      const allowed = this.routes.allowedMethods(raw.url ?? '/');
      if (allowed.length && !allowed.includes(raw.method ?? 'GET')) {
        headers['allow'] = allowed.join(', ');
        return failure(405, `Method ${raw.method} is not allowed here; use ${allowed.join(', ')}`, ERROR_CODES[405]);
      }
      if (allowed.length) return failure(404, undefined, ERROR_CODES[404]);
      return failure(404, 'Route not found', 'route_not_found');
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      if (status >= 500) {
        this.logger.error({ requestId: requestIdOf(rawRequest(req)), error: describeError(exception) }, 'unexpected HTTP exception');
        return failure(status, undefined, (ERROR_CODES as Record<number, string>)[status]);
      }
      // Fastify's own errors (body too large, unparsable JSON, no parser for the type) reach us as
      // HttpExceptions carrying Fastify's wording: give them the same envelope as under Express.
      const transport = fromTransportError({ statusCode: status, message: exception.message }, this.bodyLimit);
      if (transport && (status === 413 || status === 415 || /^(malformed_json|empty_body|forbidden_json_key)$/.test(transport.code))) return transport.toEnvelope();
      return failure(status, exception.message, (ERROR_CODES as Record<number, string>)[status]);
    }
    const transport = fromTransportError((exception ?? {}) as TransportError, this.bodyLimit);
    if (transport) return transport.toEnvelope();
    // `error` keeps the stack for whoever debugs; the client gets a bare 500.
    this.logger.error({ requestId: requestIdOf(rawRequest(req)), error: describeError(exception) }, 'unhandled error');
    return failure(500, undefined, ERROR_CODES[500]);
  }
}
