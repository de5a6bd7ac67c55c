import { ANONYMOUS, HEADERS, Identity, RequestContext } from '@alien/identity';
import { ExecutionContext, createParamDecorator } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

const REQUEST_ID = Symbol.for('alien.requestId');
const IDENTITY = Symbol.for('alien.identity');
/** A client-sent request id is kept only when it is short and plain; otherwise we mint one. */
const VALID_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

type Tagged = IncomingMessage & { [REQUEST_ID]?: string; [IDENTITY]?: Identity };

/** The raw Node request under either adapter (Fastify wraps it in `.raw`). */
export function rawRequest(req: unknown): Tagged {
  return ((req as { raw?: IncomingMessage }).raw ?? req) as Tagged;
}

/** The request's id: the client's `x-request-id` when valid, else a new UUID. Stable per request. */
export function requestIdOf(req: IncomingMessage, res?: ServerResponse): string {
  const raw = req as Tagged;
  let id = raw[REQUEST_ID];
  if (!id) {
    const header = raw.headers[HEADERS.requestId];
    id = typeof header === 'string' && VALID_REQUEST_ID.test(header) ? header : randomUUID();
    raw[REQUEST_ID] = id;
  }
  if (res && !res.headersSent && !res.hasHeader(HEADERS.requestId)) res.setHeader(HEADERS.requestId, id);
  return id;
}

export function setIdentity(req: unknown, identity: Identity): void {
  rawRequest(req)[IDENTITY] = identity;
}

export function identityOf(req: unknown): Identity {
  return rawRequest(req)[IDENTITY] ?? ANONYMOUS;
}

export function contextOf(req: unknown): RequestContext {
  const raw = rawRequest(req);
  return { requestId: requestIdOf(raw), identity: raw[IDENTITY] ?? ANONYMOUS };
}

/** `@Ctx() ctx: RequestContext` — what a controller hands to a service: request id and identity. */
export const Ctx = createParamDecorator((_: unknown, ec: ExecutionContext): RequestContext =>
  contextOf(ec.switchToHttp().getRequest()),
);


/** Query parameters whose values never reach a log line (clients sometimes put tokens in URLs). */
const SECRET_PARAMS = /^(access_token|token|api_key|apikey|key|secret|password|client_secret|code|id_token|refresh_token)$/i;

/** The URL as logged: query values of credential-like parameters replaced by `[redacted]`. */
export function redactUrl(url: string | undefined): string | undefined {
  if (!url) return url;
  const q = url.indexOf('?');
  if (q < 0) return url;
  const params = url
    .slice(q + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const name = eq < 0 ? pair : pair.slice(0, eq);
      let decoded = name;
      try {
        decoded = decodeURIComponent(name);
      } catch {
        /* keep as is */
      }
      return eq >= 0 && SECRET_PARAMS.test(decoded) ? `${name}=[redacted]` : pair;
    });
  return `${url.slice(0, q)}?${params.join('&')}`;
}
