import { ApiError } from '@alien/envelope';
import type { IncomingMessage } from 'node:http';

// Exactly application/json: neither adapter parses `+json` types, so letting them through here only
// turned them into Fastify's bare 415 or, under Express, an unparsed (empty) body.
const JSON_TYPE = /^application\/json\s*(?:;|$)/i;

/**
 * Request bodies are JSON. A body sent with another content type is refused up front with 415, under
 * both HTTP adapters, before anything tries to parse it. Null when the request is fine.
 */
export function jsonBodyError(req: IncomingMessage): ApiError | null {
  const method = req.method;
  if (method === 'POST' || method === 'PUT' || method === 'PATCH' || method === 'DELETE') {
    const length = req.headers['content-length'];
    const hasBody = (length !== undefined && length !== '0') || req.headers['transfer-encoding'] !== undefined;
    const type = req.headers['content-type'] ?? '';
    if (hasBody && !JSON_TYPE.test(type)) {
      return new ApiError(415, 'Send request bodies as application/json');
    }
    // JSON is UTF-8 (RFC 8259); a body declared as UTF-16 or Latin-1 would be read as garbage.
    const charset = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(type)?.[1];
    if (hasBody && charset !== undefined && !/^utf-?8$/i.test(charset)) {
      return new ApiError(415, `Send JSON bodies in UTF-8 (charset=${charset} is not accepted)`, 'unsupported_charset');
    }
    // Nothing here inflates a body: a gzip-compressed one was read as (broken) text and called a
    // "size that did not match Content-Length".
    const encoding = req.headers['content-encoding']?.trim().toLowerCase();
    if (hasBody && encoding && encoding !== 'identity') {
      return new ApiError(415, `Send JSON bodies uncompressed (content-encoding ${encoding} is not accepted)`, 'unsupported_content_encoding');
    }
  }
  return null;
}
