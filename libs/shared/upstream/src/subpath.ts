/** Longest path (without the query) we forward to an upstream. */
export const MAX_SUBPATH_LENGTH = 4096;

// Encoded slash or backslash: whether an upstream decodes them before routing differs between
// servers, so `a%2F..%2F..%2Fadmin` could climb out of the base path on one and not on another.
const ENCODED_SEPARATOR = /%(2f|5c)/i;
// NUL and other control characters, raw or percent-encoded.
// eslint-disable-next-line no-control-regex -- control characters are exactly what is looked for
const CONTROL = /[\u0000-\u001f\u007f]|%(0[0-9a-f]|1[0-9a-f]|7f)/i;

/**
 * Checks the part of a request path that is appended to an upstream's base path
 * (`/clusters/5/proxy/api/v1/search` → `/api/v1/search`) so it can never leave that base path.
 * Returns why it is refused, or null when it is safe to forward byte for byte.
 *
 * Refused: anything not starting with `/` (except the empty path), backslashes, encoded `/` or `\`,
 * empty segments (`//evil.example`, `a//b`), `.` and `..` segments in any spelling (`%2e%2e`, `.%2E`),
 * malformed percent-encoding, control characters.
 */
export function subpathError(raw: string): string | null {
  if (raw === '') return null;
  if (raw.length > MAX_SUBPATH_LENGTH) return `the path is longer than ${MAX_SUBPATH_LENGTH} characters`;
  if (raw[0] !== '/') return 'the path must start with /';
  if (raw.includes('\\')) return 'the path must not contain backslashes';
  if (ENCODED_SEPARATOR.test(raw)) return 'the path must not contain encoded slashes or backslashes';
  if (CONTROL.test(raw)) return 'the path must not contain control characters';
  const segments = raw.slice(1).split('/');
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i] as string;
    // A trailing slash is fine (`/api/`); an empty segment anywhere else is not.
    if (segment === '') {
      if (i === segments.length - 1) continue;
      return 'the path must not contain empty segments (//)';
    }
    let decoded: string;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      return 'the path is not valid percent-encoding';
    }
    if (decoded === '.' || decoded === '..') return 'the path must not contain . or .. segments';
  }
  return null;
}

/** Splits a request URL (`/a/b?x=1`) into path and query string (with its `?`, or ''). */
export function splitUrl(url: string): { path: string; query: string } {
  const q = url.indexOf('?');
  return q < 0 ? { path: url, query: '' } : { path: url.slice(0, q), query: url.slice(q) };
}

/**
 * A fixed path (with an optional query string) the platform calls on an upstream, like a cluster's
 * health path or an external API endpoint's path: the same rules as a forwarded path, plus no
 * fragment, no spaces, at most 500 characters.
 */
export function fixedPathError(value: unknown, field: string, options: { query?: boolean } = {}): string | null {
  if (typeof value !== 'string' || value === '') return `${field} is required`;
  if (value.length > 500) return `${field} must be at most 500 characters`;
  if (value[0] !== '/') return `${field} must start with /`;
  if (/[\s#]/.test(value)) return `${field} must not contain spaces or #`;
  const { path, query } = splitUrl(value);
  if (query && !options.query) return `${field} must not have a query string`;
  const problem = subpathError(path);
  return problem ? `${field}: ${problem.replace(/^the path /, '')}` : null;
}
