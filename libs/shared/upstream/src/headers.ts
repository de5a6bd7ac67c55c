import type { IncomingHttpHeaders } from 'node:http';

/**
 * Hop-by-hop headers (RFC 9110 §7.6.1): they describe one connection, not the message, so a proxy
 * never forwards them. `proxy-connection` and `keep-alive` are the pre-standard spellings still seen.
 */
export const HOP_BY_HOP_HEADERS: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/** Headers named by `Connection:` are hop-by-hop for this message too (RFC 9110 §7.6.1). */
export function connectionOptions(value: string | string[] | undefined): string[] {
  if (value === undefined) return [];
  const list = Array.isArray(value) ? value.join(',') : value;
  return list
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s !== '' && s !== 'close' && s !== 'keep-alive');
}

export type HeaderMap = Record<string, string | string[]>;

/**
 * The end-to-end headers of a message: everything except hop-by-hop headers, what `Connection`
 * names, and `drop` (lower-case names the caller replaces or must never pass on).
 */
export function endToEndHeaders(headers: IncomingHttpHeaders, drop: ReadonlySet<string>): HeaderMap {
  const listed = connectionOptions(headers['connection']);
  const out: HeaderMap = {};
  for (const name in headers) {
    if (HOP_BY_HOP_HEADERS.has(name) || drop.has(name)) continue;
    if (listed.length && listed.includes(name)) continue;
    const value = headers[name];
    if (value !== undefined) out[name] = value;
  }
  return out;
}

/**
 * What a secret sent in an HTTP header may contain: printable ASCII. A line break, NUL or other control
 * character cannot be sent at all (the call failed with a 502 long after the secret was saved), and
 * non-ASCII text is read differently by every server.
 */
export const HEADER_SAFE_VALUE = /^[\x20-\x7e]*$/;

export function headerValueError(value: unknown, field: string): string | null {
  if (typeof value !== 'string' || HEADER_SAFE_VALUE.test(value)) return null;
  return `${field} must be printable ASCII (it is sent in an HTTP header): no line breaks, tabs or other control characters`;
}
