import { addressAllowed, forbiddenReason, parseAllowList, resolveTarget } from './ssrf';

describe('SSRF address policy', () => {
  it.each([
    ['127.0.0.1', 'a loopback address'],
    ['127.255.0.9', 'a loopback address'],
    ['10.0.0.1', 'a private address'],
    ['172.31.255.255', 'a private address'],
    ['192.168.1.1', 'a private address'],
    ['169.254.169.254', 'a link-local address (cloud metadata lives at 169.254.169.254)'],
    ['100.64.0.1', 'a carrier-grade NAT (CGNAT) address'],
    ['0.0.0.0', 'an unspecified ("this network") address'],
    ['224.0.0.251', 'a multicast address'],
    ['255.255.255.255', 'a reserved or broadcast address'],
    ['::1', 'a loopback address'],
    ['::', 'the unspecified address'],
    ['fe80::1', 'a link-local address'],
    ['fd12:3456::1', 'a unique-local address'],
    ['ff02::1', 'a multicast address'],
    ['::ffff:127.0.0.1', 'an IPv4-mapped IPv6 address'],
    ['::ffff:8.8.8.8', 'an IPv4-mapped IPv6 address'],
    ['64:ff9b::a9fe:a9fe', 'a link-local address (cloud metadata lives at 169.254.169.254) (embedded in a translation address)'],
    ['2002:7f00:1::', 'a loopback address (embedded in a translation address)'],
    ['2001:db8::1', 'a documentation address'],
  ])('refuses %s: %s', (address, reason) => {
    expect(forbiddenReason(address)).toBe(reason);
  });

  it.each(['8.8.8.8', '1.1.1.1', '172.32.0.1', '100.128.0.1', '2606:4700:4700::1111', '64:ff9b::808:808'])('allows %s', (address) => {
    expect(forbiddenReason(address)).toBeUndefined();
  });

  it('matches allow-list entries by address, range and name', () => {
    const allow = parseAllowList(['127.0.0.1', '10.0.0.0/8', '::1', 'Internal.Example', '*.svc.local']);
    expect(addressAllowed('127.0.0.1', allow)).toBe(true);
    expect(addressAllowed('::ffff:127.0.0.1', allow)).toBe(true);
    expect(addressAllowed('10.200.3.4', allow)).toBe(true);
    expect(addressAllowed('127.0.0.2', allow)).toBe(false);
    expect(addressAllowed('::1', allow)).toBe(true);
    expect(allow.hosts).toEqual(['internal.example']);
    expect(allow.suffixes).toEqual(['.svc.local']);
  });

  it('resolves names and checks every address; an allow-listed name skips the address check', async () => {
    const lookup = async () => [{ address: '10.0.0.5', family: 4 }];
    await expect(resolveTarget('db.svc.local', { lookup })).rejects.toMatchObject({ code: 'ssrf_refused' });
    await expect(resolveTarget('db.svc.local', { lookup, allow: ['*.svc.local'] })).resolves.toEqual({ address: '10.0.0.5', family: 4 });
    await expect(resolveTarget('[::1]', { allow: ['::1'] })).resolves.toEqual({ address: '::1', family: 6 });
    await expect(resolveTarget('no-such-host.invalid', {})).rejects.toMatchObject({ code: 'http_error' });
  });
});
