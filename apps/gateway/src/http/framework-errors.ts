import { ErrorEnvelope, failure } from '@alien/envelope';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { requestIdOf } from '@alien/nest-http';

/** The envelope for an error Fastify raises before any route (and so before Nest) sees the request. */
export function frameworkErrorEnvelope(error: { code?: string }): ErrorEnvelope {
  switch (error.code) {
    case 'FST_ERR_BAD_URL':
      return failure(400, 'The request path is not valid percent-encoding', 'bad_url');
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return failure(414, 'A path segment is too long', 'uri_too_long');
    default:
      return failure(500);
  }
}

/**
 * Fastify's `frameworkErrors` option: a bad percent-encoding in the path or an overlong path parameter
 * is answered by the router itself, as Fastify's own JSON. This makes it the gateway's envelope.
 */
export function envelopeFrameworkErrors(error: { code?: string }, request: { raw: IncomingMessage }, reply: { raw: ServerResponse }): void {
  const envelope = frameworkErrorEnvelope(error);
  const body = JSON.stringify(envelope);
  // Written on the raw response, as Fastify itself does for these: no route, so no reply lifecycle.
  reply.raw.writeHead(envelope.error.status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'x-request-id': requestIdOf(request.raw),
  });
  reply.raw.end(body);
}

function clientErrorEnvelope(code: string | undefined): ErrorEnvelope {
  if (code === 'HPE_HEADER_OVERFLOW') return failure(431, 'The request line or headers are too large', 'headers_too_large');
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return failure(408, 'The request took too long to arrive', 'timeout');
  return failure(400, 'Malformed HTTP request', 'bad_request');
}

/**
 * The HTTP server's `clientError` handler (Fastify's `clientErrorHandler` option; Express can attach it
 * with `server.on('clientError', …)`): a request Node cannot parse — headers or URL over the size limit,
 * an unknown method, broken framing — still gets an envelope and a request id, then the socket closes.
 */
export function envelopeClientError(error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  // Node's own rule: answer unless a response on this (keep-alive) socket has already started.
  const inFlight = (socket as Socket & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
  if (socket.writable && !inFlight?.headersSent) {
    endSocketWithEnvelope(socket, clientErrorEnvelope(error.code));
    return;
  }
  socket.destroy(error);
}

/** Writes a complete envelope answer on a raw socket and closes it (no HTTP response object exists). */
export function endSocketWithEnvelope(socket: Socket, envelope: ErrorEnvelope, extraHeaders = ''): void {
  const body = JSON.stringify(envelope);
  const status = envelope.error.status;
  const reason = { 400: 'Bad Request', 405: 'Method Not Allowed', 408: 'Request Timeout', 431: 'Request Header Fields Too Large' }[status] ?? 'Error';
  // end(), not destroy(): closing with unread request bytes in the buffer sends a TCP reset, and
  // the client may lose the answer (fetch reported "other side closed" for an oversized URL).
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\n` +
      `content-type: application/json; charset=utf-8\r\n` +
      `content-length: ${Buffer.byteLength(body)}\r\n` +
      `x-request-id: ${randomUUID()}\r\n` +
      extraHeaders +
      `connection: close\r\n\r\n${body}`,
  );
  // A client that never closes its side does not get to keep the socket.
  setTimeout(() => socket.destroy(), 2_000).unref();
}

/** The HTTP server's `connect` event: the gateway is not a forward proxy (no listener would drop the socket). */
export function refuseConnect(_req: IncomingMessage, socket: Socket): void {
  endSocketWithEnvelope(socket, failure(405, 'CONNECT is not supported: this is an API, not a proxy', 'method_not_allowed'), 'allow: GET, HEAD, POST, PUT, PATCH, DELETE\r\n');
}

/**
 * The HTTP server's `checkExpectation` event: an `Expect` other than `100-continue` was answered by
 * Node itself (a bare 417, no envelope, no request id).
 */
export function refuseExpectation(req: IncomingMessage, res: ServerResponse): void {
  const envelope = failure(417, 'Only "Expect: 100-continue" is supported', 'expectation_failed');
  const body = JSON.stringify(envelope);
  res.writeHead(417, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'x-request-id': requestIdOf(req),
    connection: 'close',
  });
  res.end(body);
}
