/** Address and range matching of `ip-filter`, for IPv4 and IPv6 (IPv4-mapped IPv6 counts as IPv4). */
import { isIP } from 'node:net';
import { type ParseContext, problem } from '../model.js';
import type { XmlElement } from '../xml.js';

/** An address as a number in its family, or undefined when it is not an address. */
export function ipNumber(address: string): { family: 4 | 6; value: bigint } | undefined {
  const plain = address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address;
  const family = isIP(plain);
  if (family === 4) {
    return { family: 4, value: plain.split('.').reduce((sum, part) => (sum << 8n) + BigInt(part), 0n) };
  }
  if (family === 6) {
    const [head = '', tail = ''] = plain.split('::');
    const parts = (text: string) => (text === '' ? [] : text.split(':'));
    const left = parts(head);
    const right = parts(tail);
    const groups = plain.includes('::')
      ? [...left, ...Array(8 - left.length - right.length).fill('0'), ...right]
      : left;
    return {
      family: 6,
      value: groups.reduce((sum, group) => (sum << 16n) + BigInt(`0x${group || '0'}`), 0n),
    };
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
