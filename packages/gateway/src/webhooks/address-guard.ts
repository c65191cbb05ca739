import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';

/**
 * The SSRF guard: which addresses a webhook may be sent to. A subscriber names the URL, and the
 * gateway would otherwise POST from inside the network it runs in (the cluster's login nodes,
 * cloud metadata at 169.254.169.254, admin ports on loopback). Off the public internet means
 * refused, unless `webhooks.allowPrivateAddresses`: every special-purpose block of IANA's
 * registries, IPv4 and IPv6, and IPv6 forms that carry an IPv4 address (mapped, NAT64, 6to4) are
 * judged by that IPv4 address.
 */

interface Block {
  bytes: number[];
  bits: number;
  name: string;
}

const block = (cidr: string, name: string): Block => {
  const [ip, bits] = cidr.split('/') as [string, string];
  return { bytes: parse(ip)!, bits: Number(bits), name: `${name} (${cidr})` };
};

const IPV4_BLOCKS: readonly Block[] = [
  block('0.0.0.0/8', '"this network"'),
  block('10.0.0.0/8', 'private'),
  block('100.64.0.0/10', 'shared address space (CGNAT)'),
  block('127.0.0.0/8', 'loopback'),
  block('169.254.0.0/16', 'link-local'),
  block('172.16.0.0/12', 'private'),
  block('192.0.0.0/24', 'IETF protocol assignments'),
  block('192.0.2.0/24', 'documentation'),
  block('192.88.99.0/24', '6to4 relay anycast'),
  block('192.168.0.0/16', 'private'),
  block('198.18.0.0/15', 'benchmarking'),
  block('198.51.100.0/24', 'documentation'),
  block('203.0.113.0/24', 'documentation'),
  block('224.0.0.0/4', 'multicast'),
  block('240.0.0.0/4', 'reserved'),
];

const IPV6_BLOCKS: readonly Block[] = [
  block('::/128', 'unspecified'),
  block('::1/128', 'loopback'),
  // The deprecated IPv4-compatible ::a.b.c.d: never a real receiver.
  block('::/96', 'IPv4-compatible'),
  block('64:ff9b:1::/48', 'local-use NAT64'),
  block('100::/64', 'discard-only'),
  // Teredo (2001::/32) and other protocol assignments: not a receiver's address.
  block('2001::/23', 'IETF protocol assignments'),
  block('2001:db8::/32', 'documentation'),
  block('3fff::/20', 'documentation'),
  block('5f00::/16', 'segment routing'),
  block('fc00::/7', 'unique-local'),
  block('fe80::/10', 'link-local'),
  block('fec0::/10', 'site-local'),
  block('ff00::/8', 'multicast'),
];

/** IPv6 prefixes that carry an IPv4 address, and where it sits in the 16 bytes. */
const EMBEDDED_IPV4: readonly { block: Block; at: number; name: string }[] = [
  { block: block('::ffff:0:0/96', 'IPv4-mapped'), at: 12, name: 'IPv4-mapped' },
  { block: block('64:ff9b::/96', 'NAT64'), at: 12, name: 'NAT64' },
  { block: block('2002::/16', '6to4'), at: 2, name: '6to4' },
];

/**
 * Why `ip` (IPv4 or IPv6, with or without brackets or a zone) may not receive webhooks, or null
 * when it may: a public unicast address.
 */
export function forbiddenReason(ip: string): string | null {
  const bytes = parse(ip);
  if (!bytes) return 'not an IP address';
  if (bytes.length === 4) return inBlocks(bytes, IPV4_BLOCKS);
  for (const e of EMBEDDED_IPV4) {
    if (!inBlock(bytes, e.block)) continue;
    const reason = inBlocks(bytes.slice(e.at, e.at + 4), IPV4_BLOCKS);
    if (reason) return `${e.name} ${reason}`;
  }
  return inBlocks(bytes, IPV6_BLOCKS);
}

/** An address the guard let through: connect to exactly this one. */
export interface CheckedAddress {
  address: string;
  family: 4 | 6;
}

/** Every address a name resolves to (the system's resolver: /etc/hosts, then DNS). */
export type Resolver = (hostname: string) => Promise<{ address: string; family: number }[]>;

export const systemResolver: Resolver = (hostname) =>
  lookup(hostname, { all: true, verbatim: true });

/**
 * The URL's host is, or resolves to, an address the guard refuses. For a name, the message says
 * what kind of address, never which one: users must not be able to map the gateway's internal
 * DNS through it.
 */
export class AddressRefusedError extends Error {
  override name = 'AddressRefusedError';
  constructor(
    readonly host: string,
    readonly address: string,
    readonly reason: string,
  ) {
    super(
      address === host
        ? `${host} is not a public address: ${reason}; webhooks go to public addresses only`
        : `${host} resolves to a non-public address: ${reason}; webhooks go to public addresses only`,
    );
  }

  /** The host is an address itself (the caller wrote it), not a name. */
  get literal(): boolean {
    return this.address === this.host;
  }
}

/** The URL's host name does not resolve. */
export class UnresolvableHostError extends Error {
  override name = 'UnresolvableHostError';
  constructor(
    readonly host: string,
    readonly code: string,
  ) {
    super(`${host} does not resolve (${code})`);
  }
}

/**
 * The address to connect to for a URL's `hostname` (as `new URL` gives it: brackets around
 * IPv6). A literal address is judged as it is; a name is resolved and refused if ANY of its
 * addresses is refused (a name mixing public and private addresses is a rebinding attempt or a
 * mistake, never a receiver), else the first is used. Throws {@link AddressRefusedError} or
 * {@link UnresolvableHostError}.
 */
export async function checkAddress(
  hostname: string,
  opts: { allowPrivate: boolean; resolve?: Resolver },
): Promise<CheckedAddress> {
  const host = hostname.replace(/^\[(.*)\]$/, '$1');
  const literal = isIP(host);
  let addresses: { address: string; family: number }[];
  if (literal) {
    addresses = [{ address: host, family: literal }];
  } else {
    try {
      addresses = await (opts.resolve ?? systemResolver)(host);
    } catch (err) {
      throw new UnresolvableHostError(host, (err as NodeJS.ErrnoException).code ?? 'ERROR');
    }
    if (addresses.length === 0) throw new UnresolvableHostError(host, 'NODATA');
  }
  if (!opts.allowPrivate) {
    for (const { address } of addresses) {
      const reason = forbiddenReason(address);
      if (reason) throw new AddressRefusedError(host, address, reason);
    }
  }
  const first = addresses[0]!;
  return { address: first.address, family: first.family === 6 ? 6 : 4 };
}

function inBlocks(bytes: number[], blocks: readonly Block[]): string | null {
  return blocks.find((b) => inBlock(bytes, b))?.name ?? null;
}

function inBlock(bytes: number[], b: Block): boolean {
  if (bytes.length !== b.bytes.length) return false;
  for (let bit = 0; bit < b.bits; bit += 8) {
    const i = bit / 8;
    const take = Math.min(8, b.bits - bit);
    const mask = (0xff << (8 - take)) & 0xff;
    if ((bytes[i]! & mask) !== (b.bytes[i]! & mask)) return false;
  }
  return true;
}

/** 4 bytes (IPv4) or 16 (IPv6), or undefined for anything that is not an address. */
function parse(input: string): number[] | undefined {
  const ip = input.replace(/^\[(.*)\]$/, '$1').replace(/%.*$/, '');
  const kind = isIP(ip);
  if (kind === 4) return ip.split('.').map(Number);
  if (kind !== 6) return undefined;
  // A dotted IPv4 tail (::ffff:1.2.3.4) becomes two groups.
  let text = ip;
  const tail = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (tail) {
    const [a, b, c, d] = tail[1]!.split('.').map(Number) as [number, number, number, number];
    text = `${text.slice(0, tail.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, rest] = text.split('::') as [string, string | undefined];
  const groups = (s: string) => (s === '' ? [] : s.split(':').map((g) => Number.parseInt(g, 16)));
  const left = groups(head);
  const right = rest === undefined ? [] : groups(rest);
  const all =
    rest === undefined
      ? left
      : [...left, ...Array(8 - left.length - right.length).fill(0), ...right];
  return all.flatMap((g) => [g >> 8, g & 0xff]);
}
