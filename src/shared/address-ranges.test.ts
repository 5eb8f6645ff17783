import { describe, expect, it } from 'vitest';
import { canonicalAddress, nonPublicAddress, ownAddresses } from './address-ranges.js';

const LOOPBACK = 'a loopback address, the server itself';
const METADATA = 'a link-local address (the cloud metadata service)';
const UNSPECIFIED = 'an unspecified address, the server itself';
const OWN = "one of the server's own addresses";
const DOCUMENTATION = 'a documentation address (never on the public internet)';

describe("loopback, metadata and the server's own addresses", () => {
  it("names loopback, metadata and the server's own addresses", () => {
    expect(nonPublicAddress('127.0.0.2')).toBe(LOOPBACK);
    expect(nonPublicAddress('::1')).toBe(LOOPBACK);
    expect(nonPublicAddress('::')).toBe(UNSPECIFIED);
    expect(nonPublicAddress('0.0.0.0')).toBe(UNSPECIFIED);
    expect(nonPublicAddress('169.254.169.254')).toBe(METADATA);
    expect(nonPublicAddress('fe80::1')).toBe(METADATA);
    expect(nonPublicAddress('fd00:ec2::254')).toBe(METADATA);
    expect(nonPublicAddress('100.100.100.200')).toBe(METADATA);
    expect(nonPublicAddress('168.63.129.16')).toBe(METADATA);
    // An own address is named as the server's own, before the range it is in.
    expect(nonPublicAddress('8.8.4.4', new Set(['8.8.4.4']))).toBe(OWN);
    expect(nonPublicAddress('8.8.4.5', new Set(['8.8.4.4']))).toBeUndefined();
    expect(nonPublicAddress('192.0.2.2', new Set(['192.0.2.2']))).toBe(OWN);
    expect(nonPublicAddress('10.0.0.5', new Set(['10.0.0.5']))).toBe(OWN);
    expect(nonPublicAddress('2001:db8::2', new Set(['2001:db8::2']))).toBe(OWN);
    expect(nonPublicAddress('2001:db8:0:0::2', new Set(['2001:db8::2']))).toBe(OWN);
    expect(nonPublicAddress('2606:4700::2', new Set(['2606:4700::2']))).toBe(OWN);
  });

  /** @see the tester's report: `[::ffff:192.0.2.2]` reached the server's own address, hex loopback had the wrong reason. */
  it('refuses an IPv4 address written as IPv6, in every spelling, for what the IPv4 address is', () => {
    const own = new Set(['192.0.2.2']);
    for (const spelling of ['::ffff:c000:202', '::ffff:192.0.2.2', '0:0:0:0:0:FFFF:C000:0202']) {
      expect(nonPublicAddress(spelling, own), spelling).toBe(`${OWN} (192.0.2.2, written as IPv6)`);
    }
    expect(nonPublicAddress('::ffff:7f00:1')).toMatch(/^a loopback address/);
    expect(nonPublicAddress('::ffff:a9fe:a9fe')).toMatch(/^a link-local address/);
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
      // RFC 4380's example: its client is 192.0.2.45, a documentation address (its server 65.54.227.120 is public).
      ['2001:0:4136:e378:8000:63bf:3fff:fdd2', `${DOCUMENTATION} (192.0.2.45, written as IPv6)`],
      ['2001:0:4136:e378:8000:63bf:80ff:fffe', `${LOOPBACK} (127.0.0.1, written as IPv6)`], // Teredo client
    ];
    for (const [address, why] of cases) {
      expect(nonPublicAddress(address, own), address).toBe(why);
    }
    // 127.0.0.1 behind a /48 local NAT64 prefix: refused (read with another prefix length it is 0.x.x.x).
    expect(nonPublicAddress('64:ff9b:1:7f00:0:100::')).toBeDefined();
  });

  it('reaches public addresses that are not its own, IPv6 ones with an IPv4 address inside too', () => {
    for (const address of ['8.8.8.8', '::ffff:808:808', '64:ff9b::808:808', '2002:808:808::1']) {
      expect(nonPublicAddress(address, new Set(['192.0.2.2'])), address).toBeUndefined();
    }
    expect(nonPublicAddress('2606:4700::1111')).toBeUndefined();
  });

  it('refuses what is not an address it can read', () => {
    expect(nonPublicAddress('localhost')).toBe('not an address Portico can read');
    expect(nonPublicAddress('fe80::1%eth0')).toBe(METADATA);
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
      '192.0.2.7': DOCUMENTATION,
      '198.51.100.7': DOCUMENTATION,
      '203.0.113.7': DOCUMENTATION,
      '2001:db8::7': DOCUMENTATION,
      '64:ff9b::c000:207': `${DOCUMENTATION} (192.0.2.7, written as IPv6)`,
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

  /** @see decision 0104: a tenant's identity provider at the server's own address was reached. */
  it("knows the server's own addresses, every interface's", () => {
    const own = ownAddresses();
    expect(own.has('127.0.0.1')).toBe(true);
    for (const address of own) {
      expect(nonPublicAddress(address, own), address).toBeDefined();
    }
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
