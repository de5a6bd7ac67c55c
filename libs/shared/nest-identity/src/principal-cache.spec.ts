import { Principal } from '@alien/contracts';
import { PrincipalCache } from './principal-cache';

const principal = (userId: number, tokenId: number | null = null): Principal => ({
  userId,
  tokenId,
  authMethod: tokenId ? 'token' : 'jwt',
  abilities: ['read', 'write'],
  restrictedOrganizationId: null,
  isPlatformAdmin: false,
  currentOrganizationId: null,
  memberships: [],
  expiresAt: null,
});

describe(PrincipalCache.name, () => {
  let now = 1_000;
  const sut = () => new PrincipalCache(10_000, 3, () => now);

  it('returns entries until the TTL or the credential expiry, whichever is first', () => {
    const cache = sut();
    cache.set('a', principal(1));
    cache.set('b', principal(2), now + 500);
    now += 600;
    expect(cache.get('a')?.userId).toBe(1);
    expect(cache.get('b')).toBeUndefined();
    now += 10_000;
    expect(cache.get('a')).toBeUndefined();
  });

  it('evicts every entry of a user (tokens and JWT) and nothing else', () => {
    const cache = sut();
    cache.set('t1', principal(1, 10));
    cache.set('jwt', principal(1));
    cache.set('t2', principal(2, 20));
    expect(cache.evictUsers([1])).toBe(2);
    expect(cache.get('t1')).toBeUndefined();
    expect(cache.get('jwt')).toBeUndefined();
    expect(cache.get('t2')?.userId).toBe(2);
  });

  it('is bounded: the oldest entry goes first', () => {
    const cache = sut();
    for (const k of ['a', 'b', 'c', 'd']) cache.set(k, principal(k.charCodeAt(0)));
    expect(cache.size).toBe(3);
    expect(cache.get('a')).toBeUndefined();
    expect(cache.get('d')).toBeDefined();
  });

  it('caches nothing with a TTL of 0', () => {
    const cache = new PrincipalCache(0, 10, () => now);
    cache.set('a', principal(1));
    expect(cache.get('a')).toBeUndefined();
  });
});
