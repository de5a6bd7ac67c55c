import { LookupAddress, LookupAllOptions, LookupOptions, lookup as dnsLookup } from 'node:dns';
import { BlockList, isIP } from 'node:net';
import { buildConnector } from 'undici';

/**
 * Addresses no data cluster or third-party API of ours lives at, and that must never be reached on a
 * client's behalf: link-local (cloud instance metadata answers at 169.254.169.254 and fd00:ec2::254 —
 * the node's cloud credentials) and "this host" (0.0.0.0/8, ::). Loopback and private networks stay
 * allowed: clusters run next to the platform (the demo cluster on 127.0.0.1, a Kubernetes Service).
 */
const REFUSED = new BlockList();
REFUSED.addSubnet('169.254.0.0', 16, 'ipv4');
REFUSED.addSubnet('0.0.0.0', 8, 'ipv4');
REFUSED.addSubnet('fe80::', 10, 'ipv6');
REFUSED.addAddress('::', 'ipv6');
REFUSED.addAddress('fd00:ec2::254', 'ipv6');

/** Why an IP address is refused as an upstream, or null (not an IP address, or allowed). */
export function refusedAddressReason(address: string): string | null {
  const bare = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  const family = isIP(bare);
  if (family === 0) return null;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(bare)?.[1];
  const refused = mapped ? REFUSED.check(mapped, 'ipv4') : REFUSED.check(bare, family === 4 ? 'ipv4' : 'ipv6');
  if (!refused) return null;
  return /^(169\.254\.|fe[89ab])|^fd00:ec2::254$/i.test(mapped ?? bare) ? 'a link-local address (cloud metadata lives there)' : 'not a routable address';
}

export class EgressRefusedError extends Error {
  readonly code = 'EGRESS_REFUSED';
  constructor(host: string, reason: string) {
    super(`refused to connect to ${host}: ${reason}`);
  }
}

type Resolver = (hostname: string, options: LookupAllOptions, callback: (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void) => void;
type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for net/tls connections that resolves every address of the name and refuses the name
 * when any of them is refused (so a DNS name cannot smuggle the metadata address in).
 */
export function guardedLookup(resolve: Resolver = dnsLookup as unknown as Resolver) {
  return (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    resolve(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, []);
      for (const a of addresses) {
        const reason = refusedAddressReason(a.address);
        if (reason) return callback(new EgressRefusedError(hostname, reason), []);
      }
      if (options.all) return callback(null, addresses);
      const first = addresses[0];
      if (!first) return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), []);
      callback(null, first.address, first.family);
    });
  };
}

/**
 * An undici `connect` option for every connection to a cluster or a third party: refuses literal and
 * resolved link-local and unspecified addresses (the request then fails like an unreachable upstream).
 */
export function guardedConnector(options: { timeout?: number } = {}, resolve?: Resolver): buildConnector.connector {
  const connect = buildConnector({ ...options, lookup: guardedLookup(resolve) } as buildConnector.BuildOptions);
  return (opts, callback) => {
    const reason = refusedAddressReason(opts.hostname);
    if (reason) return callback(new EgressRefusedError(opts.hostname, reason), null);
    return connect(opts, callback);
  };
}
