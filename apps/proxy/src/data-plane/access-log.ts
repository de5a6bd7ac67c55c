import { Identity } from '@alien/identity';
import { redactUrl } from '@alien/nest-http';
import type { IncomingMessage } from 'node:http';
import type { Logger } from 'pino';

/**
 * One access line per data-plane request, like the gateway's (request id, method, redacted URL,
 * status, duration, caller), written with the root logger and only when the level is on.
 */
export function logDataPlaneRequest(
  logger: Logger,
  req: IncomingMessage,
  requestId: string,
  status: number,
  startedAt: number,
  identity: Identity | null,
  extra?: Record<string, unknown>,
): void {
  const level = status >= 500 ? 'warn' : 'info';
  if (!logger.isLevelEnabled(level)) return;
  logger[level](
    {
      req: { id: requestId, method: req.method, url: redactUrl(req.url) },
      res: { statusCode: status },
      responseTime: Math.round((performance.now() - startedAt) * 1000) / 1000,
      ...(identity && identity.userId !== null
        ? { userId: identity.userId, organizationId: identity.organizationId, tokenId: identity.tokenId }
        : {}),
      ...extra,
    },
    'request completed',
  );
}
