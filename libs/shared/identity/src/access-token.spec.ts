import { TOKEN_LENGTH, generateAccessToken, hasValidChecksum, hashAccessToken, lastFour, sameHash } from './access-token';

describe('access tokens', () => {
  it('generates oat_ tokens of fixed length that pass their own checksum', () => {
    const tokens = Array.from({ length: 200 }, generateAccessToken);
    for (const t of tokens) {
      expect(t).toMatch(/^oat_[0-9A-Za-z]{49}$/);
      expect(t).toHaveLength(TOKEN_LENGTH);
      expect(hasValidChecksum(t)).toBe(true);
    }
    expect(new Set(tokens).size).toBe(200);
  });

  it('rejects a token with one character changed (bad checksum) and junk', () => {
    const t = generateAccessToken();
    const i = 10;
    const flipped = t.slice(0, i) + (t[i] === 'a' ? 'b' : 'a') + t.slice(i + 1);
    expect(hasValidChecksum(flipped)).toBe(false);
    expect(hasValidChecksum(`${t}x`)).toBe(false);
    expect(hasValidChecksum('oat_')).toBe(false);
    expect(hasValidChecksum('oat_' + '!'.repeat(49))).toBe(false);
  });

  it('hashes deterministically and compares digests in constant time', () => {
    const t = generateAccessToken();
    expect(hashAccessToken(t)).toMatch(/^[0-9a-f]{64}$/);
    expect(sameHash(hashAccessToken(t), hashAccessToken(t))).toBe(true);
    expect(sameHash(hashAccessToken(t), hashAccessToken(generateAccessToken()))).toBe(false);
    expect(sameHash('', '')).toBe(false);
    expect(lastFour(t)).toBe(t.slice(-4));
  });
});
