import { refusedAddressReason } from './egress';

/** Longest base URL we store (clusters, external-API connectors). */
export const MAX_BASE_URL_LENGTH = 2048;

// Whitespace and control characters: the URL parser would silently strip or encode them.
// eslint-disable-next-line no-control-regex -- control characters are exactly what is looked for
const CONTROL_OR_SPACE = /[\u0000-\u0020\u007f]/;

/**
 * Why a base URL of an upstream the platform calls (a data cluster, a third-party API) is not
 * acceptable, or null when it is: http or https only, a host, no userinfo, no query or fragment,
 * nothing the URL parser would rewrite behind our back (backslashes, whitespace, control characters),
 * and no link-local or unspecified IP address (see egress.ts; names are checked when connecting).
 */
export function baseUrlError(value: unknown, field = 'baseUrl'): string | null {
  if (typeof value !== 'string' || value.length === 0) return `${field} is required`;
  if (value.length > MAX_BASE_URL_LENGTH) return `${field} must be at most ${MAX_BASE_URL_LENGTH} characters`;
  if (CONTROL_OR_SPACE.test(value) || value.includes('\\')) return `${field} must not contain spaces, control characters or backslashes`;
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(value)?.[1]?.toLowerCase();
  if (scheme !== 'http' && scheme !== 'https') return `${field} must be an http or https URL`;
  // "http:/x", "http:x": the parser would invent a host; we want it written out.
  if (!/^https?:\/\/[^/]/i.test(value)) return `${field} must name a host (http://host…)`;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `${field} must be a URL`;
  }
  if (!url.hostname) return `${field} must name a host`;
  const authority = value.slice(value.indexOf('//') + 2).split(/[/?#]/, 1)[0] ?? '';
  if (url.username || url.password || authority.includes('@')) {
    return `${field} must not contain credentials (user:password@)`;
  }
  if (url.search || value.includes('?')) return `${field} must not have a query string`;
  if (url.hash || value.includes('#')) return `${field} must not have a fragment`;
  // After parsing: `http://2852039166/` and `http://0xa9fea9fe/` are 169.254.169.254 too.
  const refused = refusedAddressReason(url.hostname);
  if (refused) return `${field} must not point at ${url.hostname}: ${refused}`;
  return null;
}

/**
 * The form we store and build requests from: scheme, lower-case host, port when not the default, and
 * the path without a trailing slash (`https://Data.Example:8443/api/` → `https://data.example:8443/api`).
 * Call only with a value baseUrlError accepted.
 */
export function normalizeBaseUrl(value: string): string {
  const url = new URL(value);
  return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}`;
}
