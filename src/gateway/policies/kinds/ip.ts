/** Address and range matching of `ip-filter`, for IPv4 and IPv6 (IPv4-mapped IPv6 counts as IPv4). */
import { isIP } from 'node:net';
import { type ParseContext, problem } from '../model.js';
import type { XmlElement } from '../xml.js';

/** `::ffff:0:0/96`: IPv4-mapped IPv6 addresses, which are IPv4 addresses however they are written. */
const MAPPED_PREFIX = 0xffffn << 32n;
const LOW_32_BITS = 0xffffffffn;

function ipv4Number(address: string): bigint {
  return address.split('.').reduce((sum, part) => (sum << 8n) + BigInt(part), 0n);
}

/** An IPv6 address (no zone) as a number; a trailing dotted IPv4 part counts as its last two groups. */
function ipv6Number(address: string): bigint {
  const lastColon = address.lastIndexOf(':');
  const tail = address.slice(lastColon + 1);
  let text = address;
  if (tail.includes('.')) {
    const v4 = ipv4Number(tail);
    text = `${address.slice(0, lastColon + 1)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const [head = '', rest = ''] = text.split('::');
  const parts = (part: string) => (part === '' ? [] : part.split(':'));
  const left = parts(head);
  const right = parts(rest);
  const groups = text.includes('::')
    ? [...left, ...Array(8 - left.length - right.length).fill('0'), ...right]
    : left;
  return groups.reduce((sum, group) => (sum << 16n) + BigInt(`0x${group || '0'}`), 0n);
}

/**
 * An address as a number in its family, or undefined when it is not an address. An IPv4-mapped IPv6
 * address counts as the IPv4 address it carries in every spelling (`::ffff:127.0.0.1`,
 * `::FFFF:7f00:1`, `0:0:0:0:0:ffff:7f00:1`), so a `forbid` of one form catches the others; a zone
 * (`fe80::1%eth0`) is not part of the address.
 */
export function ipNumber(address: string): { family: 4 | 6; value: bigint } | undefined {
  const zone = address.indexOf('%');
  const plain = zone === -1 ? address : address.slice(0, zone);
  const family = isIP(plain);
  if (family === 4) {
    return { family: 4, value: ipv4Number(plain) };
  }
  if (family === 6) {
    const value = ipv6Number(plain);
    return value >> 32n === MAPPED_PREFIX >> 32n
      ? { family: 4, value: value & LOW_32_BITS }
      : { family: 6, value };
  }
  return undefined;
}

type Range = { family: 4 | 6; from: bigint; to: bigint };

/** Compiles the `<address>` and `<address-range from to>` children into a matcher. */
export function ipMatcher(
  p: ParseContext,
  children: readonly XmlElement[],
): ((ip: string) => boolean) | undefined {
  const ranges: Range[] = [];
  for (const child of children) {
    const from = ipNumber(child.name === 'address' ? child.text : (child.attributes.get('from') ?? ''));
    const to = ipNumber(child.name === 'address' ? child.text : (child.attributes.get('to') ?? ''));
    if (from === undefined || to === undefined || from.family !== to.family || from.value > to.value) {
      problem(
        p,
        child,
        `<${child.name}> must hold an IPv4 or IPv6 address${child.name === 'address-range' ? ' range (from ≤ to, same family)' : ''}.`,
      );
      continue;
    }
    ranges.push({ family: from.family, from: from.value, to: to.value });
  }
  if (children.length === 0) {
    return undefined;
  }
  return (ip) => {
    const value = ipNumber(ip);
    return (
      value !== undefined &&
      ranges.some((r) => r.family === value.family && value.value >= r.from && value.value <= r.to)
    );
  };
}
