/**
 * Kinds of addresses a tenant may not send the server's own requests to. The install guard
 * (`control-plane/install-guard.ts`, decision 0074) and sign-in with a site's identity provider (decision
 * 0092) reach public addresses only ({@link nonPublicAddress}): never the server's loopback, link-local
 * (the cloud metadata service) or unspecified addresses, nor the server's own addresses
 * ({@link ownAddresses}), nor private networks, unique-local, documentation, multicast or reserved ones
 * (decision 0104), unless the operator allows them.
 * An IPv6 address can carry an IPv4 address (`::ffff:7f00:1` is 127.0.0.1, `64:ff9b::a9fe:a9fe` is
 * 169.254.169.254 behind a NAT64 gateway), so the IPv4 address inside it is checked as well, by the same
 * rules (decision 0082).
 */
import { BlockList, isIP } from 'node:net';
import { networkInterfaces } from 'node:os';

/** A kind of address a tenant may not send npm to, and how a refusal names it. */
interface ForbiddenRange {
  readonly why: string;
  readonly list: BlockList;
}

function rangeOf(
  why: string,
  entries: readonly (readonly [string, number, 'ipv4' | 'ipv6'])[],
): ForbiddenRange {
  const list = new BlockList();
  for (const [address, prefix, family] of entries) {
    list.addSubnet(address, prefix, family);
  }
  return { why, list };
}

/** In the order a refusal names them (`::1` is loopback, not the unspecified 0.0.0.1 it also spells). */
const FORBIDDEN: readonly ForbiddenRange[] = [
  rangeOf('a loopback address, the server itself', [
    ['127.0.0.0', 8, 'ipv4'],
    ['::1', 128, 'ipv6'],
  ]),
  rangeOf('a link-local address (the cloud metadata service)', [
    ['169.254.0.0', 16, 'ipv4'],
    ['fe80::', 10, 'ipv6'],
    ['fd00:ec2::254', 128, 'ipv6'],
    // Alibaba Cloud's metadata service, and Azure's WireServer: metadata outside the link-local range.
    ['100.100.100.200', 32, 'ipv4'],
    ['168.63.129.16', 32, 'ipv4'],
  ]),
  rangeOf('an unspecified address, the server itself', [
    ['0.0.0.0', 8, 'ipv4'],
    ['::', 128, 'ipv6'],
  ]),
];

/**
 * Beyond {@link FORBIDDEN} and the server's own addresses: what is not on the public internet. Named after
 * them, so an own address in a private network is refused as the server's own.
 */
const NON_PUBLIC: readonly ForbiddenRange[] = [
  rangeOf('a private address', [
    ['10.0.0.0', 8, 'ipv4'],
    ['172.16.0.0', 12, 'ipv4'],
    ['192.168.0.0', 16, 'ipv4'],
    // Shared address space (carrier-grade NAT, VPN overlays such as Tailscale).
    ['100.64.0.0', 10, 'ipv4'],
    // IETF protocol assignments, Oracle Cloud's metadata service (192.0.0.192) among them.
    ['192.0.0.0', 24, 'ipv4'],
    // Benchmarking networks, used inside some data centres.
    ['198.18.0.0', 15, 'ipv4'],
  ]),
  rangeOf('a unique-local address (a private network)', [
    ['fc00::', 7, 'ipv6'],
    ['fec0::', 10, 'ipv6'],
  ]),
  // Documentation ranges (RFC 5737, RFC 3849): never routed on the internet, but a network may use them.
  rangeOf('a documentation address (never on the public internet)', [
    ['192.0.2.0', 24, 'ipv4'],
    ['198.51.100.0', 24, 'ipv4'],
    ['203.0.113.0', 24, 'ipv4'],
    ['2001:db8::', 32, 'ipv6'],
  ]),
  rangeOf('a multicast address', [
    ['224.0.0.0', 4, 'ipv4'],
    ['ff00::', 8, 'ipv6'],
  ]),
  rangeOf('a reserved or broadcast address', [['240.0.0.0', 4, 'ipv4']]),
];

const OWN = "one of the server's own addresses";

/** Teredo (2001::/32): its server's IPv4 address in bytes 4–7; its client's is the last 32 bits, inverted. */
const TEREDO = embedding('2001::', 32, [[4, 5, 6, 7]]);

/**
 * IPv6 ranges whose addresses carry IPv4 addresses, with the bytes (of the 16) each IPv4 address is in.
 * Every placement counts: a refusal when any of them is forbidden (refused when unsure).
 */
const EMBEDDING: readonly { readonly range: BlockList; readonly at: readonly (readonly number[])[] }[] = [
  // IPv4-mapped (::ffff:0:0/96), IPv4-compatible (::/96), IPv4-translated (::ffff:0:0:0/96), NAT64 (RFC 6052).
  embedding('::ffff:0:0', 96, [[12, 13, 14, 15]]),
  embedding('::', 96, [[12, 13, 14, 15]]),
  embedding('::ffff:0:0:0', 96, [[12, 13, 14, 15]]),
  embedding('64:ff9b::', 96, [[12, 13, 14, 15]]),
  // A local NAT64 prefix (RFC 8215) may be /48 to /96 long: every placement, the common /96 first.
  embedding('64:ff9b:1::', 48, [
    [12, 13, 14, 15],
    [9, 10, 11, 12],
    [7, 9, 10, 11],
    [6, 7, 9, 10],
  ]),
  // 6to4 (2002:AABB:CCDD::/48).
  embedding('2002::', 16, [[2, 3, 4, 5]]),
  TEREDO,
];

function embedding(prefix: string, bits: number, at: readonly (readonly number[])[]) {
  const range = new BlockList();
  range.addSubnet(prefix, bits, 'ipv6');
  return { range, at };
}

/**
 * Why `address` is not a public internet address, or undefined: a loopback, link-local (metadata) or
 * unspecified address, one of `own` (the server's own addresses, as {@link canonicalAddress} writes them:
 * a service bound to all of them answers on each), a private (RFC 1918, shared address space),
 * unique-local, documentation, multicast or reserved address. An IPv6 address carrying an IPv4 address is
 * refused for what that address is (decision 0082); one that cannot be read is refused. The install guard
 * and sign-in reach such addresses only where the operator allows them (decisions 0074, 0092, 0104).
 *
 * @example nonPublicAddress('10.1.2.3') // 'a private address'
 * @example nonPublicAddress('::ffff:7f00:1') // 'a loopback address, the server itself (127.0.0.1, written as IPv6)'
 */
export function nonPublicAddress(address: string, own: ReadonlySet<string> = new Set()): string | undefined {
  const canonical = canonicalAddress(address);
  if (canonical === undefined) {
    return 'not an address Portico can read';
  }
  // The server itself first, then what the address is: an own address in a private network is refused
  // as the server's own. Each test looks at the address, then at each IPv4 address it carries.
  const carried = isIP(canonical) === 6 ? embeddedIPv4(canonical) : [];
  const tests = [inRanges(FORBIDDEN), (a: string) => (own.has(a) ? OWN : undefined), inRanges(NON_PUBLIC)];
  for (const test of tests) {
    const why = test(canonical);
    if (why !== undefined) {
      return why;
    }
    for (const ipv4 of carried) {
      const inner = test(ipv4);
      if (inner !== undefined) {
        return `${inner} (${ipv4}, written as IPv6)`;
      }
    }
  }
  return undefined;
}

/**
 * The addresses of the server's own interfaces now, as {@link canonicalAddress} writes them. Read again
 * by each caller when it needs them: an interface may get an address while the server runs.
 */
export function ownAddresses(): ReadonlySet<string> {
  return new Set(
    Object.values(networkInterfaces())
      .flatMap((addresses) => addresses ?? [])
      .flatMap((info) => canonicalAddress(info.address) ?? []),
  );
}

/**
 * `address` in one spelling: IPv4 as is, IPv6 as a URL writes it (lower case, the longest run of zeros
 * shortened, no dotted part, no zone); undefined when it is neither.
 *
 * @example canonicalAddress('0:0:0:0:0:FFFF:192.0.2.2') // '::ffff:c000:202'
 */
export function canonicalAddress(address: string): string | undefined {
  const family = isIP(address);
  if (family === 4) {
    return address;
  }
  const bare = address.replace(/%.*$/, '');
  if (family !== 6 || !URL.canParse(`http://[${bare}]/`)) {
    return undefined;
  }
  return new URL(`http://[${bare}]/`).hostname.slice(1, -1);
}

/** Why a canonical address is in one of `ranges`, or undefined. */
function inRanges(ranges: readonly ForbiddenRange[]): (address: string) => string | undefined {
  return (address) => {
    const family = isIP(address) === 4 ? 'ipv4' : 'ipv6';
    return ranges.find(({ list }) => list.check(address, family))?.why;
  };
}
/** The 16 bytes of a canonical IPv6 address (hex groups only, at most one `::`). */
function ipv6Bytes(canonical: string): number[] {
  const [head = '', tail] = canonical.split('::');
  const groups = (part: string | undefined) =>
    part ? part.split(':').map((g) => Number.parseInt(g, 16)) : [];
  const before = groups(head);
  const after = groups(tail);
  const all = [...before, ...new Array<number>(8 - before.length - after.length).fill(0), ...after];
  return all.flatMap((group) => [group >> 8, group & 0xff]);
}

/** The IPv4 addresses a canonical IPv6 address carries, in dotted form. */
function embeddedIPv4(address: string): string[] {
  const bytes = ipv6Bytes(address);
  const found = EMBEDDING.filter(({ range }) => range.check(address, 'ipv6')).flatMap(({ at }) =>
    at.map((positions) => positions.map((i) => bytes[i] ?? 0)),
  );
  if (TEREDO.range.check(address, 'ipv6')) {
    found.push(bytes.slice(12).map((byte) => byte ^ 0xff));
  }
  return found.map((ipv4) => ipv4.join('.'));
}
