/** `hostnameOf` reads a `Host` header as the regular expressions it replaced did (decision 0037). */
import { describe, expect, it } from 'vitest';
import { hostnameOf } from './hostname.js';

/** The reading it replaced, kept here as the reference. */
function reference(host: string | undefined): string {
  const value = host ?? '';
  const withoutPort = value.startsWith('[')
    ? value.replace(/^(\[[^\]]*\]):\d+$/, '$1')
    : value.replace(/:\d+$/, '');
  return withoutPort.toLowerCase().replace(/\.$/, '');
}

describe('hostnameOf', () => {
  it('drops the port, lower-cases and drops one trailing dot', () => {
    expect(hostnameOf('Shop.Portico.TEST:4280')).toBe('shop.portico.test');
    expect(hostnameOf('shop.portico.test.')).toBe('shop.portico.test');
    expect(hostnameOf('shop.portico.test.:80')).toBe('shop.portico.test');
    expect(hostnameOf(undefined)).toBe('');
    // An IPv6 literal loses its port too (an HTTPS redirect named it twice: https://[::1]:80:443/).
    expect(hostnameOf('[::1]:8080')).toBe('[::1]');
    expect(hostnameOf('[FE80::1]')).toBe('[fe80::1]');
  });

  it('agrees with the regular expressions on odd hosts', () => {
    const hosts = [
      '',
      ':',
      ':80',
      'a:',
      'a:b',
      'a:8b',
      'a:1:2',
      'a::1',
      'a..',
      '.',
      '[::1]:8080',
      '[::1]',
      '[FE80::1].',
      '[::1]:',
      '[::1]:8x',
      '[::1',
      'A:١٢',
      'host:0080',
      'İSTANBUL.test',
      'x.y.:',
    ];
    for (const host of hosts) {
      expect(hostnameOf(host), host).toBe(reference(host));
    }
  });
});
