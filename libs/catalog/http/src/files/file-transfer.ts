import { CHECKSUM_HEADER, FILE_CONTENT_TYPE_HEADER, FILE_TICKET_HEADER, FileTicket } from '@alien/catalog/contracts';
import { ApiError } from '@alien/envelope';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { IncomingMessage } from 'node:http';
import { request } from 'undici';

/** Response headers of the catalog's file port that reach the client (no hop-by-hop ones). */
const PASSED_BACK = [
  'content-type',
  'content-length',
  'content-range',
  'accept-ranges',
  'etag',
  'cache-control',
  'content-disposition',
  'x-content-type-options',
  'content-security-policy',
];

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

export interface TransferOptions {
  method: 'GET' | 'HEAD' | 'PUT' | 'POST';
  /** The client's body to stream on (uploads), with the Content-Type the client sent. */
  body?: { stream: IncomingMessage; contentType: string | undefined };
  /** Request headers of the client passed to the file port. */
  forward: string[];
}

/**
 * Streams a file transfer between the client and the catalog's file port, both ways, without holding
 * the bytes: the catalog authorised the operation over NATS and handed back a sealed ticket, which is
 * all the gateway adds. The gateway has no storage credentials and never sees where files live.
 */
export async function transferFile(ticket: FileTicket, req: FastifyRequest, reply: FastifyReply, options: TransferOptions): Promise<FastifyReply> {
  const raw = req.raw;
  const headers: Record<string, string> = { [FILE_TICKET_HEADER]: ticket.ticket };
  for (const name of options.forward) {
    const value = header(raw, name);
    if (value !== undefined) headers[name] = value;
  }
  if (options.body) {
    // Bytes travel as octet-stream (never parsed on the way); the client's type goes alongside.
    headers['content-type'] = 'application/octet-stream';
    if (options.body.contentType !== undefined) headers[FILE_CONTENT_TYPE_HEADER] = options.body.contentType;
    const length = header(raw, 'content-length');
    if (length !== undefined) headers['content-length'] = length;
  }
  let upstream: Awaited<ReturnType<typeof request>>;
  try {
    upstream = await request(ticket.url, {
      method: options.method,
      headers,
      body: options.body?.stream,
      // An upload's answer comes after its last byte, however long that takes; a download must keep flowing.
      headersTimeout: options.body ? 0 : 30_000,
      bodyTimeout: 60_000,
    });
  } catch {
    if (!raw.complete && options.body) reply.header('connection', 'close');
    if (raw.destroyed) throw new ApiError(400, 'The upload ended before the whole body arrived', 'upload_truncated');
    throw new ApiError(503, 'The catalog file service is unavailable', 'service_unavailable');
  }
  for (const name of PASSED_BACK) {
    const value = upstream.headers[name];
    if (typeof value === 'string') reply.header(name, value);
  }
  // Refused before the client finished sending: do not read the rest of a large body, close instead.
  if (options.body && !raw.complete) reply.header('connection', 'close');
  reply.code(upstream.statusCode);
  if (upstream.statusCode === 304 || options.method === 'HEAD') {
    await upstream.body.dump();
    return reply.send();
  }
  return reply.send(upstream.body);
}

/** Client request headers a download passes on (ranges and revalidation). */
export const DOWNLOAD_HEADERS = ['range', 'if-range', 'if-none-match'];
/** Client request headers an upload passes on. */
export const UPLOAD_HEADERS = [CHECKSUM_HEADER];
