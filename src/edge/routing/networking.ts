/**
 * Access rules checked before any route rule (decision D3; spec §1.7, §1.8): `networking.allowedIpRanges`
 * (IPv4 CIDR blocks; Azure service tags cannot be resolved off Azure and so match nothing) and
 * `forwardingGateway.requiredHeaders` (names case-insensitive, values case-sensitive). A denied request
 * gets 403 and `responseOverrides` do not apply.
 */
import type { NormalizedConfig } from '../../config/types.js';

/** A compiled access check: returns a reason when the request is denied, otherwise undefined. */
export type AccessCheck = (request: {
  remoteAddress: string | undefined;
  header(name: string): string | undefined;
}) => string | undefined;

/** Compiles the networking and forwarding-gateway rules of a config into one check (or undefined). */
export function compileAccessCheck(config: NormalizedConfig): AccessCheck | undefined {
  const ranges = config.networking?.allowedIpRanges.map(parseCidr).filter((range) => range !== undefined);
  const required = Object.entries(config.forwardingGateway?.requiredHeaders ?? {});
  if (ranges === undefined && required.length === 0) {
    return undefined;
  }
  return (request) => {
    if (ranges !== undefined && !isAddressAllowed(request.remoteAddress, ranges)) {
      return 'client address is not in networking.allowedIpRanges';
    }
    const missing = required.find(([name, value]) => request.header(name.toLowerCase()) !== value);
    return missing ? `required header ${missing[0]} is missing or has another value` : undefined;
  };
}

interface Cidr {
  readonly base: number;
  readonly mask: number;
}

/** `10.0.0.0/24` → a base and mask; a bare address means /32; anything else (service tags) → undefined. */
export function parseCidr(text: string): Cidr | undefined {
  const [address, bits = '32'] = text.split('/');
  const base = address === undefined ? undefined : parseIpv4(address);
  const prefix = Number(bits);
  if (base === undefined || !Number.isInteger(prefix) || prefix < 0 || prefix > 32) {
    return undefined;
  }
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return { base: (base & mask) >>> 0, mask };
}

/** Parses dotted-quad IPv4 (also the `::ffff:a.b.c.d` form Node reports) into an unsigned integer. */
export function parseIpv4(text: string): number | undefined {
  const plain = text.startsWith('::ffff:') ? text.slice(7) : text;
  const parts = plain.split('.');
  if (parts.length !== 4 || !parts.every((part) => /^\d{1,3}$/.test(part) && Number(part) <= 255)) {
    return undefined;
  }
  return parts.reduce((value, part) => ((value << 8) | Number(part)) >>> 0, 0);
}

function isAddressAllowed(address: string | undefined, ranges: readonly Cidr[]): boolean {
  const ip = address === undefined ? undefined : parseIpv4(address);
  return ip !== undefined && ranges.some((range) => (ip & range.mask) >>> 0 === range.base);
}
