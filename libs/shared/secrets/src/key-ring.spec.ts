import { KeyRing, KeyRingError, generateKeyRingSpec } from './key-ring';

describe(KeyRing.name, () => {
  const old = generateKeyRingSpec('k1');
  const current = generateKeyRingSpec('k2');

  it('seals under the newest key and opens with the right associated data only', () => {
    const sut = new KeyRing(`${current},${old}`);
    const sealed = sut.seal('s3cr3t', 'cluster:1');
    expect(sealed.split('.')[1]).toBe('k2');
    expect(sealed).not.toContain('s3cr3t');
    expect(sut.open(sealed, 'cluster:1')).toBe('s3cr3t');
    expect(() => sut.open(sealed, 'cluster:2')).toThrow(KeyRingError);
    expect(sut.seal('s3cr3t', 'cluster:1')).not.toBe(sealed);
  });

  it('opens values sealed under an older key of the ring and says they need re-encryption', () => {
    const before = new KeyRing(old).seal('x', 'a');
    const after = new KeyRing(`${current},${old}`);
    expect(after.open(before, 'a')).toBe('x');
    expect(after.isCurrent(before)).toBe(false);
    expect(after.isCurrent(after.seal('x', 'a'))).toBe(true);
    expect(() => new KeyRing(current).open(before, 'a')).toThrow(/not in the ring/);
  });

  it('refuses tampered values and malformed rings', () => {
    const sut = new KeyRing(current);
    const sealed = sut.seal('hello', 'a').split('.');
    sealed[4] = Buffer.from('jello').toString('base64url');
    expect(() => sut.open(sealed.join('.'), 'a')).toThrow(KeyRingError);
    expect(() => sut.open('garbage', 'a')).toThrow(/not a sealed value/);
    expect(() => new KeyRing('')).toThrow(/empty/);
    expect(() => new KeyRing('k1:c2hvcnQ=')).toThrow(/32 bytes/);
    expect(() => new KeyRing(`${current},${current}`)).toThrow(/twice/);
    expect(() => new KeyRing('bad id:' + Buffer.alloc(32).toString('base64'))).toThrow(/must match/);
  });
});
