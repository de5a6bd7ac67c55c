import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { crc32 } from 'node:zlib';

/**
 * `oat_` API tokens: `oat_` + 43 base62 chars (256 random bits) + 6 base62 chars of CRC32 over the
 * random part. The checksum lets scanners (and the gateway, before any lookup) recognise a real token
 * offline; only the SHA-256 of the whole token is stored. 256 random bits make a slow hash pointless.
 */
export const TOKEN_PREFIX = 'oat_';
const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const RANDOM_LENGTH = 43;
const CHECKSUM_LENGTH = 6;
export const TOKEN_LENGTH = TOKEN_PREFIX.length + RANDOM_LENGTH + CHECKSUM_LENGTH;
const SHAPE = new RegExp(`^${TOKEN_PREFIX}[0-9A-Za-z]{${RANDOM_LENGTH + CHECKSUM_LENGTH}}$`);

function base62(value: bigint, length: number): string {
  let out = '';
  let n = value;
  while (n > 0n) {
    out = ALPHABET[Number(n % 62n)] + out;
    n /= 62n;
  }
  return out.padStart(length, '0');
}

function checksum(randomPart: string): string {
  return base62(BigInt(crc32(randomPart)), CHECKSUM_LENGTH);
}

export function generateAccessToken(): string {
  const random = base62(BigInt(`0x${randomBytes(32).toString('hex')}`), RANDOM_LENGTH);
  return `${TOKEN_PREFIX}${random}${checksum(random)}`;
}

/** Shape and checksum only: no lookup. False for anything that is not one of our tokens. */
export function hasValidChecksum(token: string): boolean {
  if (token.length !== TOKEN_LENGTH || !SHAPE.test(token)) return false;
  const random = token.slice(TOKEN_PREFIX.length, TOKEN_PREFIX.length + RANDOM_LENGTH);
  const given = token.slice(TOKEN_PREFIX.length + RANDOM_LENGTH);
  const expected = checksum(random);
  return timingSafeEqual(Buffer.from(given), Buffer.from(expected));
}

/** Hex SHA-256: what is stored, what is looked up, what travels between gateway and auth. */
export function hashAccessToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Constant-time comparison of two hex digests. */
export function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && x.length > 0 && timingSafeEqual(x, y);
}

export function lastFour(token: string): string {
  return token.slice(-4);
}
