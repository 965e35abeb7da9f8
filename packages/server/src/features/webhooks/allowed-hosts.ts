/**
 * `KAIROS_WEBHOOK_ALLOWED_HOSTS` (SPEC §9): which addresses a webhook may call. A leaf: parsed
 * once by config.ts, applied by the service (at registration) and the sender (at delivery,
 * on the very addresses the connection uses, so a DNS answer that changed is caught).
 *
 * Address ranges come from ipaddr.js, not from hand-written parsing: `external` admits only what
 * it classes `unicast` — so loopback, private (RFC 1918), link-local, CGNAT (100.64/10),
 * unique-local (fc00::/7), multicast, unspecified, broadcast, documentation, benchmarking and
 * the IPv6 forms that embed an IPv4 address (6to4, Teredo, NAT64) are all refused. An
 * IPv4-mapped IPv6 address is judged as the IPv4 address it is.
 */
import ipaddr from 'ipaddr.js';

export type AllowedHosts =
  | { kind: 'external' }
  | { kind: 'any' }
  | { kind: 'list'; hosts: readonly string[]; ranges: ReadonlyArray<[ipaddr.IPv4 | ipaddr.IPv6, number]> };

/** Parse the variable; throws a message naming the bad entry. */
export function parseAllowedHosts(raw: string | undefined): AllowedHosts {
  const value = raw?.trim() ?? '';
  if (value === '' || value === 'external') return { kind: 'external' };
  if (value === '*') return { kind: 'any' };
  const hosts: string[] = [];
  const ranges: Array<[ipaddr.IPv4 | ipaddr.IPv6, number]> = [];
  for (const part of value.split(',').map((s) => s.trim())) {
    if (part.includes('/')) {
      if (!ipaddr.isValidCIDR(part)) throw new Error(`"${part}" is not a CIDR range`);
      const [addr, bits] = ipaddr.parseCIDR(part);
      ranges.push([addr, bits]);
    } else if (ipaddr.isValid(unbracket(part))) {
      const addr = ipaddr.process(unbracket(part));
      ranges.push([addr, addr.kind() === 'ipv4' ? 32 : 128]);
    } else if (/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/i.test(part)) {
      hosts.push(part.toLowerCase());
    } else throw new Error(`"${part}" is neither a host name, an address nor a CIDR range`);
  }
  return { kind: 'list', hosts, ranges };
}

const unbracket = (host: string): string => host.replace(/^\[(.*)\]$/, '$1');

/** Is this host name (not an address) allowed whatever it resolves to? Only when listed by name. */
export function hostListed(policy: AllowedHosts, hostname: string): boolean {
  return policy.kind === 'any' || (policy.kind === 'list' && policy.hosts.includes(hostname.toLowerCase()));
}

export const isIpLiteral = (host: string): boolean => ipaddr.isValid(unbracket(host));

/** Why this address may not be called, or null when it may. */
export function addressRefusal(policy: AllowedHosts, address: string): string | null {
  if (policy.kind === 'any') return null;
  if (!ipaddr.isValid(unbracket(address))) return `${address} is not an IP address`;
  const addr = ipaddr.process(unbracket(address));
  if (policy.kind === 'external') {
    const range = addr.range();
    return range === 'unicast' ? null : `${addr.toString()} is not a public address (${range})`;
  }
  const inList = policy.ranges.some(([net, bits]) => net.kind() === addr.kind() && addr.match(net as never, bits));
  return inList ? null : `${addr.toString()} is not in KAIROS_WEBHOOK_ALLOWED_HOSTS`;
}

/** `localhost` and `*.localhost` always mean this machine (RFC 6761), whatever DNS says. */
export const isLocalhostName = (host: string): boolean => /(^|\.)localhost\.?$/i.test(host);
