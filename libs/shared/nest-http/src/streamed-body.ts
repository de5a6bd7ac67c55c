import { RouteConfig } from '@nestjs/platform-fastify';
import type { IncomingMessage } from 'node:http';
import { rawRequest } from './request-context';

/** Fastify route-config key of routes whose request body the handler streams itself. */
export const STREAMED_BODY = 'alienStreamedBody';
/**
 * The content type a streamed body is parsed as at the edge: a parser that reads nothing, so the bytes
 * stay in the request stream for the handler. The client's own type is kept (see streamedBodyOf).
 */
export const STREAM_CONTENT_TYPE = 'application/x-alien-stream';

export interface StreamedBodyConfig {
  /** Media types streamed (lower case, no parameters); null: any. Others follow the JSON-only rule. */
  types: string[] | null;
}

const ORIGINAL_TYPE = Symbol.for('alien.streamedContentType');
type Marked = IncomingMessage & { [ORIGINAL_TYPE]?: string | null };

/**
 * The route takes a raw body (a file upload, a multipart form) that its handler streams onwards
 * without it ever sitting whole in memory: no JSON parsing, no body-size limit at the edge (the owning
 * service enforces its own). With `types`, only those media types stream; anything else is JSON as usual.
 */
export function StreamedBody(options: { types?: string[] } = {}): MethodDecorator {
  const config: StreamedBodyConfig = { types: options.types?.map((t) => t.toLowerCase()) ?? null };
  return RouteConfig({ [STREAMED_BODY]: config });
}

export function mediaTypeOf(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

/** Called by the edge before body parsing: marks the request as streamed when the route and type say so. */
export function markStreamedBody(req: IncomingMessage, config: StreamedBodyConfig | undefined): boolean {
  if (!config) return false;
  const contentType = req.headers['content-type'];
  if (config.types !== null && !config.types.includes(mediaTypeOf(contentType))) return false;
  (req as Marked)[ORIGINAL_TYPE] = contentType ?? null;
  // Even without a type of its own: a body with no Content-Type would otherwise be refused (415).
  req.headers['content-type'] = STREAM_CONTENT_TYPE;
  return true;
}

export interface StreamedBodyRequest {
  /** The unread request body. */
  stream: IncomingMessage;
  /** What the client sent as Content-Type (undefined when it sent none). */
  contentType: string | undefined;
  /** The declared Content-Length, or null (chunked). */
  contentLength: number | null;
}

/** The streamed body of a request, or null when this request's body was parsed as JSON. */
export function streamedBodyOf(req: unknown): StreamedBodyRequest | null {
  const raw = rawRequest(req) as Marked;
  if (!(ORIGINAL_TYPE in raw)) return null;
  const length = raw.headers['content-length'];
  return {
    stream: raw,
    contentType: raw[ORIGINAL_TYPE] ?? undefined,
    contentLength: length === undefined || !/^\d+$/.test(length) ? null : Number(length),
  };
}
