import { failure } from '@alien/envelope';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { requestIdOf } from '@alien/nest-http';

/**
 * A request's body must have arrived `ms` after its headers, else 408 envelope and the connection
 * closes (a body that never finishes held a connection for minutes). Node's own requestTimeout would do
 * it server-wide, but the proxy app's streams share this server and may upload for longer.
 */
export function enforceBodyDeadline(req: IncomingMessage, res: ServerResponse, ms: number): void {
  if (req.complete) return;
  const timer = setTimeout(() => {
    if (req.complete) return;
    if (!res.headersSent) {
      const body = JSON.stringify(failure(408, 'The request took too long to arrive', 'timeout'));
      res.writeHead(408, {
        'content-type': 'application/json; charset=utf-8',
        'content-length': Buffer.byteLength(body),
        'x-request-id': requestIdOf(req),
        connection: 'close',
      });
      res.end(body);
    }
    // The rest of the body is not coming (or not wanted): do not wait for it.
    setTimeout(() => req.socket.destroy(), 1_000).unref();
  }, ms);
  timer.unref();
  const clear = () => clearTimeout(timer);
  req.once('end', clear);
  res.once('close', clear);
}
