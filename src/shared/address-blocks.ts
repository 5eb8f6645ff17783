/**
 * Lists of IP addresses and CIDR blocks an operator gives on the command line (`--trusted-proxy`,
 * `--identity-provider-address`): checking an entry, and matching an address against the list.
 */
import { BlockList, isIP } from 'node:net';

/**
 * Checks one entry (an IPv4 or IPv6 address, or a CIDR block of either); returns why it is not one, or
 * undefined.
 *
 * @example checkAddressBlock('10.0.0.0/33') // '10.0.0.0/33 has an invalid prefix length (0–32)'
 */
export function checkAddressBlock(entry: string): string | undefined {
  const [address = '', prefix, extra] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || extra !== undefined) {
    return `${entry} is not an IP address or a CIDR block (such as 10.0.0.0/8 or fd00::/8)`;
  }
  if (prefix !== undefined) {
    const bits = Number(prefix);
    if (!/^\d{1,3}$/.test(prefix) || bits > (family === 4 ? 32 : 128)) {
      return `${entry} has an invalid prefix length (0–${family === 4 ? 32 : 128})`;
    }
  }
  return undefined;
}

/** `entries` when each is an address or CIDR block; throws an error naming `flag` and the first bad one. */
export function checkAddressList(entries: readonly string[], flag: string): readonly string[] {
  const problem = entries.map(checkAddressBlock).find((reason) => reason !== undefined);
  if (problem !== undefined) {
    throw new Error(`${flag}: ${problem}`);
  }
  return entries;
}

/**
 * The entries as a predicate on addresses; entries must have passed {@link checkAddressBlock}. Anything
 * that is not an IP address matches nothing.
 *
 * @example createAddressMatcher(['10.0.0.0/8'])('10.1.2.3') // true
 */
export function createAddressMatcher(entries: readonly string[]): (address: string) => boolean {
  const list = new BlockList();
  for (const entry of entries) {
    const [address = '', prefix] = entry.split('/');
    const type = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (prefix === undefined) {
      list.addAddress(address, type);
    } else {
      list.addSubnet(address, Number(prefix), type);
    }
  }
  return (address) => {
    const family = isIP(address);
    return family !== 0 && list.check(address, family === 6 ? 'ipv6' : 'ipv4');
  };
}
