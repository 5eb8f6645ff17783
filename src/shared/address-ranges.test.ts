import { describe, expect, it } from 'vitest';
import { canonicalAddress, forbiddenAddress, nonPublicAddress } from './address-ranges.js';

const LOOPBACK = 'a loopback address, the server itself';
const METADATA = 'a link-local address (the cloud metadata service)';
const UNSPECIFIED = 'an unspecified address, the server itself';
const OWN = "one of the server's own addresses";

describe('forbidden addresses of the install guard', () => {
  it("names loopback, metadata and the server's own addresses", () => {
    expect(forbiddenAddress('127.0.0.2')).toBe(LOOPBACK);
    expect(forbiddenAddress('::1')).toBe(LOOPBACK);
    expect(forbiddenAddress('::')).toBe(UNSPECIFIED);
    expect(forbiddenAddress('0.0.0.0')).toBe(UNSPECIFIED);
    expect(forbiddenAddress('169.254.169.254')).toBe(METADATA);
    expect(forbiddenAddress('fe80::1')).toBe(METADATA);
    expect(forbiddenAddress('fd00:ec2::254')).toBe(METADATA);
    expect(forbiddenAddress('100.100.100.200')).toBe(METADATA);
    expect(forbiddenAddress('192.0.2.2', new Set(['192.0.2.2']))).toBe(OWN);
    expect(forbiddenAddress('192.0.2.3', new Set(['192.0.2.2']))).toBeUndefined();
    expect(forbiddenAddress('2001:db8::2', new Set(['2001:db8::2']))).toBe(OWN);
    expect(forbiddenAddress('2001:db8:0:0::2', new Set(['2001:db8::2']))).toBe(OWN);
  });

  /** @see the tester's report: `[::ffff:192.0.2.2]` reached the server's own address, hex loopback had the wrong reason. */
  it('refuses an IPv4 address written as IPv6, in every spelling, for what the IPv4 address is', () => {
    const own = new Set(['192.0.2.2']);
    for (const spelling of ['::ffff:c000:202', '::ffff:192.0.2.2', '0:0:0:0:0:FFFF:C000:0202']) {
      expect(forbiddenAddress(spelling, own), spelling).toBe(`${OWN} (192.0.2.2, written as IPv6)`);
    }
    expect(forbiddenAddress('::ffff:7f00:1')).toMatch(/^a loopback address/);
    expect(forbiddenAddress('::ffff:a9fe:a9fe')).toMatch(/^a link-local address/);
    const cases: [string, string | undefined][] = [
      ['::7f00:1', `${LOOPBACK} (127.0.0.1, written as IPv6)`], // IPv4-compatible
      ['::ffff:0:a9fe:a9fe', `${METADATA} (169.254.169.254, written as IPv6)`], // IPv4-translated
      ['64:ff9b::a9fe:a9fe', `${METADATA} (169.254.169.254, written as IPv6)`], // NAT64
      ['64:ff9b::c000:202', `${OWN} (192.0.2.2, written as IPv6)`],
      ['64:ff9b:1::7f00:1', `${LOOPBACK} (127.0.0.1, written as IPv6)`], // local NAT64, /96
      // Read as a /48 prefix's address it is 0.0.0.0: refused when unsure.
      ['64:ff9b:1::808:808', `${UNSPECIFIED} (0.0.0.8, written as IPv6)`],
      ['2002:7f00:1::', `${LOOPBACK} (127.0.0.1, written as IPv6)`], // 6to4
      ['2002:a9fe:a9fe:1::1', `${METADATA} (169.254.169.254, written as IPv6)`],
      ['2001:0:7f00:1::', `${LOOPBACK} (127.0.0.1, written as IPv6)`], // Teredo server
      ['2001:0:4136:e378:8000:63bf:3fff:fdd2', undefined], // RFC 4380's example
      ['2001:0:4136:e378:8000:63bf:80ff:fffe', `${LOOPBACK} (127.0.0.1, written as IPv6)`], // Teredo client
    ];
    for (const [address, why] of cases) {
      expect(forbiddenAddress(address, own), address).toBe(why);
    }
    // 127.0.0.1 behind a /48 local NAT64 prefix: refused (read with another prefix length it is 0.x.x.x).
    expect(forbiddenAddress('64:ff9b:1:7f00:0:100::')).toBeDefined();
  });

  it('reaches public and private addresses, IPv6 ones with an IPv4 address inside too', () => {
    for (const address of [
      '192.0.2.3',
      '10.0.0.1',
      '::ffff:c000:203',
      '64:ff9b::808:808',
      '2002:808:808::1',
    ]) {
      expect(forbiddenAddress(address, new Set(['192.0.2.2'])), address).toBeUndefined();
    }
    expect(forbiddenAddress('2606:4700::1111')).toBeUndefined();
  });

  it('refuses what is not an address it can read', () => {
    expect(forbiddenAddress('localhost')).toBe('not an address Portico can read');
    expect(forbiddenAddress('fe80::1%eth0')).toBe(METADATA);
  });

  it('writes each address one way', () => {
    expect(canonicalAddress('0:0:0:0:0:FFFF:192.0.2.2')).toBe('::ffff:c000:202');
    expect(canonicalAddress('192.0.2.2')).toBe('192.0.2.2');
    expect(canonicalAddress('not-an-address')).toBeUndefined();
  });
});

/** @see decision 0092: a site's identity provider made the server fetch its own loopback and private network. */
describe('public addresses only, for identity providers', () => {
  it('refuses what the install guard refuses, and private, unique-local, multicast and reserved addresses', () => {
    const cases: Record<string, string> = {
      '127.0.0.1': LOOPBACK,
      '::1': LOOPBACK,
      '169.254.169.254': METADATA,
      '0.0.0.0': UNSPECIFIED,
      '10.1.2.3': 'a private address',
      '172.31.255.1': 'a private address',
      '192.168.1.1': 'a private address',
      '100.64.0.1': 'a private address',
      '192.0.0.192': 'a private address',
      'fd12:3456::1': 'a unique-local address (a private network)',
      'fc00::1': 'a unique-local address (a private network)',
      '224.0.0.1': 'a multicast address',
      'ff02::1': 'a multicast address',
      '255.255.255.255': 'a reserved or broadcast address',
      '64:ff9b::c0a8:101': 'a private address (192.168.1.1, written as IPv6)',
      '2002:a00:1::1': 'a private address (10.0.0.1, written as IPv6)',
    };
    for (const [address, why] of Object.entries(cases)) {
      expect(nonPublicAddress(address), address).toBe(why);
    }
    // IPv4-mapped: Node's BlockList matches them with the IPv4 rules directly.
    expect(nonPublicAddress('::ffff:10.0.0.1')).toMatch(/^a private address/);
    expect(nonPublicAddress('::ffff:7f00:1')).toMatch(/^a loopback address/);
  });

  it('reaches public addresses, IPv4 inside IPv6 too', () => {
    for (const address of [
      '8.8.8.8',
      '172.32.0.1',
      '2606:4700::1111',
      '::ffff:808:808',
      '64:ff9b::808:808',
    ]) {
      expect(nonPublicAddress(address), address).toBeUndefined();
    }
  });
});
