import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import type { WebhookUrlPolicy } from '../core/services/webhooks.js';

/**
 * Where webhooks may be sent (OWASP API7, SSRF): `https://` (also `http://` when `allowHttp`), no
 * user-info, and a host whose addresses are all public unless `allowPrivateNetworks`. Checked when
 * a URL is set and again on the address each attempt connects to, so a DNS answer that changes to
 * 127.0.0.1 after the check never reaches it.
 */
export interface UrlRules {
  allowHttp: boolean;
  allowPrivateNetworks: boolean;
}

/** Addresses that are not the public internet: private, loopback, link-local, shared, documentation, multicast, reserved. */
const NOT_PUBLIC = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  NOT_PUBLIC.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b::', 96],
  ['64:ff9b:1::', 48],
  ['100::', 64],
  ['2001::', 23],
  ['2001:db8::', 32],
  ['2002::', 16],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
] as const)
  NOT_PUBLIC.addSubnet(net, prefix, 'ipv6');

/** Whether an IP address is on the public internet (an IPv4-mapped IPv6 address counts as its IPv4 one). */
export function isPublicAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  if (mapped !== undefined) return isPublicAddress(mapped);
  const family = isIP(address);
  if (family === 0) return false;
  return !NOT_PUBLIC.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

type Resolve = (host: string) => Promise<string[]>;
const resolveAll: Resolve = async (host) =>
  (await lookup(host, { all: true, verbatim: true })).map((a) => a.address);

export class WebhookUrlGuard implements WebhookUrlPolicy {
  constructor(
    private readonly rules: UrlRules,
    private readonly resolve: Resolve = resolveAll,
  ) {}

  async check(raw: string): Promise<string | null> {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      return 'must be an absolute URL';
    }
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && this.rules.allowHttp)) {
      return this.rules.allowHttp ? 'must be an http:// or https:// URL' : 'must be an https:// URL';
    }
    if (url.username !== '' || url.password !== '') return 'must not hold user-info (user:password@)';
    const host = hostOf(url);
    if (isIP(host) !== 0) return this.addressProblem(host);
    let addresses: string[];
    try {
      addresses = await this.resolve(host);
    } catch {
      return `its host ${host} does not resolve`;
    }
    if (addresses.length === 0) return `its host ${host} does not resolve`;
    for (const a of addresses) {
      const problem = this.addressProblem(a);
      if (problem !== null) return problem;
    }
    return null;
  }

  /** Why the gateway will not connect to this address, or null. */
  addressProblem(address: string): string | null {
    if (this.rules.allowPrivateNetworks || isPublicAddress(address)) return null;
    return `resolves to ${address}, which is not a public address (private networks are not allowed)`;
  }

  /**
   * A `lookup` for the sockets of deliveries (undici's `connect.lookup`): the host's addresses as
   * the system resolves them, refused (ENOTALLOWED) when one is not allowed.
   */
  readonly connectLookup = (
    hostname: string,
    options: LookupOptions,
    callback: (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void,
  ): void => {
    dnsLookup(hostname, { ...options, verbatim: true }, (err, address, family) => {
      if (err) return callback(err, '');
      const all = Array.isArray(address) ? address.map((a) => a.address) : [address];
      const refused = all.map((a) => this.addressProblem(a)).find((p) => p !== null);
      if (refused !== undefined) {
        return callback(
          Object.assign(new Error(`refused: ${hostname} ${refused}`), { code: 'ENOTALLOWED' }),
          '',
        );
      }
      callback(null, address, family);
    });
  };
}

/** The URL's host without IPv6 brackets. */
export function hostOf(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1');
}
