import { ApiError } from '@alien/envelope';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

/** Whether the request still has body bytes nobody read (then the connection cannot be reused). */
export function hasUnreadBody(req: IncomingMessage): boolean {
  if (req.readableEnded || req.complete) return false;
  const length = req.headers['content-length'];
  return (length !== undefined && length !== '0') || req.headers['transfer-encoding'] !== undefined;
}

/** How long, and how many bytes, an unwanted request body is read and dropped before the socket closes. */
export const LINGER_MS = 2_000;
export const LINGER_BYTES = 32 * 1024 * 1024;

/**
 * After answering a request whose body is still arriving (413 to an upload, say): keep reading and
 * dropping it for a while instead of closing at once. Closing a socket with unread input makes the
 * kernel send a reset, and the peer may then lose the answer it has not read yet — a proxy in front
 * of us (the gateway, an ingress) would turn our 413 into a 502. If the body ends in time the
 * connection stays usable; otherwise it is closed after LINGER_MS or LINGER_BYTES.
 */
export function lingerThenClose(req: IncomingMessage): void {
  const socket = req.socket;
  let dropped = 0;
  const close = () => {
    clearTimeout(timer);
    if (!req.complete) socket?.destroy();
  };
  const timer = setTimeout(close, LINGER_MS);
  timer.unref();
  req.on('data', (chunk: Buffer) => {
    dropped += chunk.length;
    if (dropped > LINGER_BYTES) close();
  });
  req.once('end', () => clearTimeout(timer));
  // A body reader that gave up may still listen for 'readable', which keeps the stream paused.
  req.removeAllListeners('readable');
  req.resume();
}

/**
 * Answers with the platform's error envelope on a raw Node response (the proxies bypass the gateway's
 * exception filter). After the response has started there is no envelope to give: the connection is cut,
 * which is how a client learns that a streamed body is incomplete.
 */
export function writeErrorEnvelope(req: IncomingMessage, res: ServerResponse, error: ApiError, requestId: string): void {
  if (res.headersSent || res.destroyed) {
    res.destroy();
    return;
  }
  const body = JSON.stringify(error.toEnvelope());
  const headers: Record<string, string | number> = {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'x-request-id': requestId,
  };
  if (error.status === 401) {
    headers['www-authenticate'] = error.code === 'unauthenticated' ? 'Bearer' : 'Bearer error="invalid_token"';
  }
  res.writeHead(error.status, headers);
  res.end(body);
  // A body still arriving (a refused upload, say): read and drop it for a moment before closing.
  if (hasUnreadBody(req)) lingerThenClose(req);
}

/**
 * The HTTP server's `connect` event (CONNECT has no response object): answers 405 with the envelope
 * on the raw socket and closes it. Without a listener Node just dropped the connection.
 */
export function refuseConnect(req: IncomingMessage, socket: Duplex): void {
  const body = JSON.stringify(new ApiError(405, 'CONNECT is not supported: this is an API, not a forward proxy', 'method_not_allowed').toEnvelope());
  const id = req.headers['x-request-id'];
  const requestId = typeof id === 'string' && /^[A-Za-z0-9._:-]{1,128}$/.test(id) ? id : randomUUID();
  socket.end(
    `HTTP/1.1 405 Method Not Allowed\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\n` +
      `x-request-id: ${requestId}\r\nallow: GET, HEAD, POST, PUT, PATCH, DELETE\r\nconnection: close\r\n\r\n${body}`,
  );
  setTimeout(() => socket.destroy(), 2_000).unref();
}
