import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { EngineError } from '../errors';
import type { HttpPolicy } from '../node-type';

/** An address as a 128-bit number (IPv4 as its IPv4-mapped IPv6 form, so one table covers both). */
function parseIPv4(text: string): bigint | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0n;
  for (const part of parts) {
    if (!/^\d{1,3}$/.test(part) || Number(part) > 255) return undefined;
    n = (n << 8n) | BigInt(Number(part));
  }
  return n;
}

function parseIPv6(text: string): bigint | undefined {
  let address = text.split('%')[0] ?? '';
  let tail: bigint | undefined;
  const lastColon = address.lastIndexOf(':');
  if (address.includes('.')) {
    tail = parseIPv4(address.slice(lastColon + 1));
    if (tail === undefined) return undefined;
    address = `${address.slice(0, lastColon + 1)}${(tail >> 16n).toString(16)}:${(tail & 0xffffn).toString(16)}`;
  }
  const halves = address.split('::');
  if (halves.length > 2) return undefined;
  const head = halves[0] ? halves[0].split(':') : [];
  const rest = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  const missing = 8 - head.length - rest.length;
  if ((halves.length === 1 && missing !== 0) || missing < 0) return undefined;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...rest];
  let n = 0n;
  for (const group of groups) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(group)) return undefined;
    n = (n << 16n) | BigInt(parseInt(group, 16));
  }
  return n;
}

const MAPPED_PREFIX = 0xffffn << 32n;

/** `1.2.3.4` → ::ffff:1.2.3.4, IPv6 as is; undefined when not an address. */
export function addressToBigInt(address: string): bigint | undefined {
  const family = isIP(address.split('%')[0] ?? '');
  if (family === 4) {
    const v4 = parseIPv4(address);
    return v4 === undefined ? undefined : MAPPED_PREFIX | v4;
  }
  if (family === 6) return parseIPv6(address);
  return undefined;
}

interface Range {
  base: bigint;
  bits: number;
}

function cidr(text: string): Range {
  const [address = '', bitsText] = text.split('/');
  const value = addressToBigInt(address);
  if (value === undefined) throw new Error(`bad CIDR ${text}`);
  const isV4 = isIP(address) === 4;
  const bits = bitsText === undefined ? 128 : Number(bitsText) + (isV4 ? 96 : 0);
  if (!Number.isInteger(bits) || bits < 0 || bits > 128) throw new Error(`bad CIDR ${text}`);
  return { base: mask(value, bits), bits };
}

function mask(value: bigint, bits: number): bigint {
  if (bits === 0) return 0n;
  const all = (1n << 128n) - 1n;
  return value & (all ^ ((1n << BigInt(128 - bits)) - 1n));
}

const inRange = (value: bigint, range: Range) => mask(value, range.bits) === range.base;

/** Targets refused unless allow-listed, with the reason named in the error. */
const FORBIDDEN: Array<[string, string]> = [
  ['0.0.0.0/8', 'an unspecified ("this network") address'],
  ['10.0.0.0/8', 'a private address'],
  ['100.64.0.0/10', 'a carrier-grade NAT (CGNAT) address'],
  ['127.0.0.0/8', 'a loopback address'],
  ['169.254.0.0/16', 'a link-local address (cloud metadata lives at 169.254.169.254)'],
  ['172.16.0.0/12', 'a private address'],
  ['192.0.0.0/24', 'an IETF protocol address'],
  ['192.0.2.0/24', 'a documentation address'],
  ['192.88.99.0/24', 'a 6to4 relay address'],
  ['192.168.0.0/16', 'a private address'],
  ['198.18.0.0/15', 'a benchmarking address'],
  ['198.51.100.0/24', 'a documentation address'],
  ['203.0.113.0/24', 'a documentation address'],
  ['224.0.0.0/4', 'a multicast address'],
  ['240.0.0.0/4', 'a reserved or broadcast address'],
  ['::/128', 'the unspecified address'],
  ['::1/128', 'a loopback address'],
  ['::/96', 'an IPv4-compatible address'],
  ['100::/64', 'a discard-only address'],
  ['2001::/23', 'an IETF protocol address'],
  ['2001:db8::/32', 'a documentation address'],
  ['fc00::/7', 'a unique-local address'],
  ['fe80::/10', 'a link-local address'],
  ['fec0::/10', 'a site-local address'],
  ['ff00::/8', 'a multicast address'],
];
const FORBIDDEN_RANGES = FORBIDDEN.map(([text, reason]) => ({ range: cidr(text), reason }));
const MAPPED = cidr('::ffff:0:0/96');
const NAT64 = cidr('64:ff9b::/96');
const SIX_TO_FOUR = cidr('2002::/16');

/**
 * Why an address must not be dialled (undefined when it may). IPv4-mapped IPv6 addresses are refused
 * outright when written as IPv6; NAT64 and 6to4 addresses are judged by the IPv4 address they embed.
 */
export function forbiddenReason(address: string): string | undefined {
  const value = addressToBigInt(address);
  if (value === undefined) return 'not an IP address';
  const v6 = isIP(address.split('%')[0] ?? '') === 6;
  if (inRange(value, MAPPED)) {
    if (v6) return 'an IPv4-mapped IPv6 address';
  } else if (inRange(value, NAT64) || inRange(value, SIX_TO_FOUR)) {
    const embedded = inRange(value, NAT64) ? value & 0xffffffffn : (value >> 80n) & 0xffffffffn;
    const inner = FORBIDDEN_RANGES.find(({ range }) => inRange(MAPPED_PREFIX | embedded, range));
    return inner ? `${inner.reason} (embedded in a translation address)` : undefined;
  }
  return FORBIDDEN_RANGES.find(({ range }) => inRange(value, range))?.reason;
}

/** A parsed allow-list: host names (exact or `*.suffix`) and address ranges. */
export interface AllowList {
  hosts: string[];
  suffixes: string[];
  ranges: Range[];
}

const allowCache = new WeakMap<string[], AllowList>();

export function parseAllowList(entries: string[] = []): AllowList {
  const cached = allowCache.get(entries);
  if (cached) return cached;
  const list: AllowList = { hosts: [], suffixes: [], ranges: [] };
  for (const raw of entries) {
    const entry = raw.trim().toLowerCase().replace(/^\[|\]$/g, '');
    if (!entry) continue;
    const address = entry.split('/')[0] ?? '';
    if (isIP(address)) list.ranges.push(cidr(entry));
    else if (entry.startsWith('*.')) list.suffixes.push(entry.slice(1));
    else list.hosts.push(entry);
  }
  allowCache.set(entries, list);
  return list;
}

export function hostAllowed(hostname: string, allow: AllowList): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  return allow.hosts.includes(host) || allow.suffixes.some((suffix) => host.endsWith(suffix));
}

export function addressAllowed(address: string, allow: AllowList): boolean {
  let value = addressToBigInt(address);
  if (value === undefined) return false;
  const candidates = [value];
  // ::ffff:127.0.0.1 is allowed by an entry naming 127.0.0.1 (both are stored in the mapped form).
  if (inRange(value, MAPPED)) value = MAPPED_PREFIX | (value & 0xffffffffn);
  candidates.push(value);
  return allow.ranges.some((range) => candidates.some((c) => inRange(c, range)));
}

const defaultLookup = (hostname: string) => dnsLookup(hostname, { all: true, verbatim: true });

/**
 * The address to dial for a host, checked: every address the name resolves to must be allowed (so a
 * name with one public and one private record is refused), unless the name itself is allow-listed.
 * The caller dials exactly the returned address, so a second DNS answer cannot change it.
 */
export async function resolveTarget(hostname: string, policy: Pick<HttpPolicy, 'allow' | 'lookup'>): Promise<{ address: string; family: number }> {
  const host = hostname.replace(/^\[|\]$/g, '');
  const allow = parseAllowList(policy.allow);
  const family = isIP(host);
  if (family) {
    const reason = forbiddenReason(host);
    if (reason && !addressAllowed(host, allow)) {
      throw new EngineError('ssrf_refused', `refused to connect to ${host}: ${reason}; allow-list it in the configuration to reach it`);
    }
    return { address: host, family };
  }
  let addresses: Array<{ address: string; family: number }>;
  try {
    addresses = await (policy.lookup ?? defaultLookup)(host);
  } catch (error) {
    throw new EngineError('http_error', `cannot resolve ${host}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  if (addresses.length === 0) throw new EngineError('http_error', `cannot resolve ${host}: no address`);
  if (!hostAllowed(host, allow)) {
    for (const { address } of addresses) {
      const reason = forbiddenReason(address);
      if (reason && !addressAllowed(address, allow)) {
        throw new EngineError('ssrf_refused', `refused to connect to ${host} (${address}): ${reason}; allow-list it in the configuration to reach it`);
      }
    }
  }
  const first = addresses[0];
  if (!first) throw new EngineError('ssrf_refused', `${host} has no address`);
  return first;
}
