import { ApiError } from '@alien/envelope';
import type { FastifyInstance } from 'fastify';
import type { IncomingMessage } from 'node:http';
import type { Logger } from 'pino';
import { jsonBodyError } from './json-body';
import { STREAMED_BODY, StreamedBodyConfig, identityOf, markStreamedBody, redactUrl, requestIdOf } from '@alien/nest-http';

const QUIET = new Set(['/health/live', '/health/ready']);

/**
 * One access-log line per request, written with the root logger once the response is done (no child
 * logger, no async context per request): request id, method, redacted URL, status, duration, caller.
 */
export function logAccess(logger: Logger, req: IncomingMessage, statusCode: number, durationMs: number): void {
  const url = req.url ?? '/';
  if (QUIET.has(url)) return;
  const level = statusCode >= 500 ? 'warn' : 'info';
  if (!logger.isLevelEnabled(level)) return;
  const identity = identityOf(req);
  logger[level](
    {
      req: { id: requestIdOf(req), method: req.method, url: redactUrl(url) },
      res: { statusCode },
      responseTime: Math.round(durationMs * 1000) / 1000,
      ...(identity.userId === null
        ? {}
        : { userId: identity.userId, organizationId: identity.organizationId, tokenId: identity.tokenId }),
    },
    'request completed',
  );
}

function envelopeBody(error: ApiError): string {
  return JSON.stringify(error.toEnvelope());
}

/**
 * The gateway's per-request edge work as native Fastify hooks (Nest middleware would go through the
 * middie compatibility layer): stamp `x-request-id`, refuse non-JSON bodies with 415, log on response.
 */
export function installFastifyHooks(fastify: FastifyInstance, logger: Logger): void {
  fastify.addHook('onRequest', (request, reply, done) => {
    requestIdOf(request.raw, reply.raw);
    // Routes marked @StreamedBody() take raw bytes (file uploads): their handler streams the body on.
    const streamed = (request.routeOptions.config as unknown as Record<string, unknown> | undefined)?.[STREAMED_BODY] as StreamedBodyConfig | undefined;
    if (markStreamedBody(request.raw, streamed)) return done();
    const error = jsonBodyError(request.raw);
    if (error) {
      reply.code(error.status).header('content-type', 'application/json; charset=utf-8').send(envelopeBody(error));
      return;
    }
    done();
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    logAccess(logger, request.raw, reply.statusCode, reply.elapsedTime);
    done();
  });
}
