import { LookupAddress } from 'node:dns';
import { createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { Agent, request } from 'undici';
import { baseUrlError } from './base-url';
import { EgressRefusedError, guardedConnector, guardedLookup, refusedAddressReason } from './egress';

/** A resolver that answers every name with these addresses. */
const resolvesTo =
  (...addresses: string[]) =>
  (_host: string, _options: unknown, callback: (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void) =>
    callback(
      null,
      addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })),
    );

describe(refusedAddressReason.name, () => {
  it.each(['169.254.169.254', '169.254.0.1', '0.0.0.0', '0.1.2.3', '::', 'fe80::1', '[fe80::abcd]', 'fd00:ec2::254', '::ffff:169.254.169.254'])(
    'refuses %s',
    (address) => expect(refusedAddressReason(address)).toEqual(expect.any(String)),
  );

  it.each(['127.0.0.1', '10.0.0.5', '192.168.1.1', '172.16.0.1', '::1', '8.8.8.8', '2001:db8::1', 'data.example', 'localhost'])('allows %s', (address) =>
    expect(refusedAddressReason(address)).toBeNull(),
  );
});

describe('baseUrlError and link-local addresses', () => {
  it.each([
    'http://169.254.169.254/latest/meta-data',
    'http://2852039166/',
    'http://0xa9fea9fe/',
    'http://169.254.169.254.:80/',
    'http://[fe80::1]:8080',
    'http://[::ffff:169.254.169.254]/',
    'http://[fd00:ec2::254]/',
    'http://0.0.0.0:9000',
  ])('refuses %s (cloud metadata, or no routable host)', (url) => expect(baseUrlError(url)).toMatch(/must not point at/));

  it.each(['http://127.0.0.1:4500', 'http://10.0.0.5:9200/api', 'http://[::1]:8080', 'https://data.example'])('still accepts %s', (url) =>
    expect(baseUrlError(url)).toBeNull(),
  );
});

describe(guardedLookup.name, () => {
  const lookup = (resolver: ReturnType<typeof resolvesTo>, all = false) =>
    new Promise<{ error: unknown; address: unknown }>((resolve) => guardedLookup(resolver as never)('name.example', { all }, (error, address) => resolve({ error, address })));

  it('refuses a name when any of its addresses is refused (DNS cannot smuggle the metadata address in)', async () => {
    expect((await lookup(resolvesTo('169.254.169.254'))).error).toBeInstanceOf(EgressRefusedError);
    expect((await lookup(resolvesTo('10.0.0.1', 'fe80::1'), true)).error).toBeInstanceOf(EgressRefusedError);
  });

  it('passes a clean name through, in the shape net.connect asked for', async () => {
    expect(await lookup(resolvesTo('10.0.0.1', '10.0.0.2'))).toEqual({ error: null, address: '10.0.0.1' });
    expect((await lookup(resolvesTo('10.0.0.1'), true)).address).toEqual([{ address: '10.0.0.1', family: 4 }]);
  });
});

describe(guardedConnector.name, () => {
  it('never connects to a refused address, written or resolved; other hosts work as usual', async () => {
    const server = createServer((_req, res) => res.end('ok'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    const agents = [new Agent({ connect: guardedConnector({ timeout: 2_000 }) }), new Agent({ connect: guardedConnector({}, resolvesTo('169.254.169.254') as never) })];
    try {
      const ok = await request(`http://127.0.0.1:${port}/`, { dispatcher: agents[0] });
      expect(await ok.body.text()).toBe('ok');
      await expect(request('http://169.254.169.254/latest/meta-data/', { dispatcher: agents[0] })).rejects.toThrow(/refused to connect to 169\.254\.169\.254/);
      await expect(request('http://[fe80::1]/', { dispatcher: agents[0] })).rejects.toThrow(/refused to connect/);
      await expect(request(`http://metadata.example:${port}/`, { dispatcher: agents[1] })).rejects.toThrow(/refused to connect to metadata\.example/);
    } finally {
      await Promise.all(agents.map((a) => a.close()));
      await new Promise((r) => server.close(r));
    }
  });
});
