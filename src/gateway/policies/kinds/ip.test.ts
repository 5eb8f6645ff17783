/**
 * ip-filter's address arithmetic: an IPv4-mapped IPv6 address is the IPv4 address it carries, whatever
 * its spelling, so a `forbid` written in one form cannot be passed in another.
 * @see spec/apim.md §2.1 (ip-filter)
 */
import { describe, expect, it } from 'vitest';
import type { ParseContext } from '../model.js';
import type { XmlElement } from '../xml.js';
import { ipMatcher, ipNumber } from './ip.js';

const address = (text: string): XmlElement => ({
  name: 'address',
  attributes: new Map(),
  children: [],
  text,
  line: 1,
  column: 1,
});

describe('ipNumber', () => {
  it('reads every spelling of an IPv4-mapped IPv6 address as the IPv4 address', () => {
    const loopback = ipNumber('127.0.0.1');
    expect(loopback).toEqual({ family: 4, value: 0x7f000001n });
    for (const spelling of [
      '::ffff:127.0.0.1',
      '::FFFF:127.0.0.1',
      '::ffff:7f00:1',
      '::FFFF:7F00:0001',
      '0:0:0:0:0:ffff:7f00:1',
      '0:0:0:0:0:ffff:127.0.0.1',
    ]) {
      expect(ipNumber(spelling), spelling).toEqual(loopback);
    }
  });

  it('keeps other IPv6 addresses IPv6, drops a zone, and refuses what is no address', () => {
    expect(ipNumber('::1')).toEqual({ family: 6, value: 1n });
    expect(ipNumber('::7f00:1')).toEqual({ family: 6, value: 0x7f000001n });
    expect(ipNumber('fe80::1%eth0')).toEqual({ family: 6, value: (0xfe80n << 112n) + 1n });
    expect(ipNumber('64:ff9b::1.2.3.4')).toEqual({ family: 6, value: (0x64ff9bn << 96n) + 0x01020304n });
    expect(ipNumber('not an address')).toBeUndefined();
  });
});

describe('ipMatcher', () => {
  it('matches a caller written one way against an address written the other', () => {
    const p: ParseContext = { scope: 'api', section: 'inbound', problems: [] };
    const hex = ipMatcher(p, [address('::ffff:7f00:1')]);
    const dotted = ipMatcher(p, [address('127.0.0.1')]);
    expect(p.problems).toEqual([]);
    expect(hex?.('127.0.0.1')).toBe(true);
    expect(hex?.('::ffff:127.0.0.1')).toBe(true);
    expect(dotted?.('::ffff:7f00:1')).toBe(true);
    expect(dotted?.('::1')).toBe(false);
  });
});
