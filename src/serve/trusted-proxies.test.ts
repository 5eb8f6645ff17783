/** The rules of `--trusted-proxy` on one request (decision 0085), without sockets. */
import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { clientAddressOf, forwardedChainOf, isHttpsRequest } from '../shared/forwarded.js';
import { applyForwardedFields, checkTrustedProxy } from './trusted-proxies.js';

const TRUSTED = new Set(['10.0.0.1', '10.0.0.2']);
const isTrusted = (address: string) => TRUSTED.has(address);

function requestFrom(remoteAddress: string, headers: Record<string, string>): IncomingMessage {
  return {
    socket: { remoteAddress },
    headers: { host: 'internal:4280', ...headers },
  } as unknown as IncomingMessage;
}

function apply(headers: Record<string, string>, from = '10.0.0.1'): IncomingMessage {
  const req = requestFrom(from, headers);
  applyForwardedFields(req, isTrusted);
  return req;
}

describe('trusted proxies: the client address', () => {
  it('takes the rightmost X-Forwarded-For entry that is not a trusted proxy', () => {
    const req = apply({ 'x-forwarded-for': '6.6.6.6, 203.0.113.7, 10.0.0.2' });
    expect(clientAddressOf(req)).toBe('203.0.113.7');
    expect(forwardedChainOf(req, 'ignored')).toBe('6.6.6.6, 203.0.113.7');
  });

  it('takes the leftmost when every entry is trusted, and the proxy itself without the field', () => {
    expect(clientAddressOf(apply({ 'x-forwarded-for': '10.0.0.2, 10.0.0.1' }))).toBe('10.0.0.2');
    expect(clientAddressOf(apply({}, '::ffff:10.0.0.1'))).toBe('10.0.0.1');
  });

  it('stops at an entry that is not an address: the hop that reported it is the client', () => {
    const req = apply({ 'x-forwarded-for': '203.0.113.7, "><script>, 10.0.0.2' });
    expect(clientAddressOf(req)).toBe('10.0.0.2');
  });

  it('reads bracketed IPv6 and IPv4-mapped entries as plain addresses', () => {
    expect(clientAddressOf(apply({ 'x-forwarded-for': '[2001:db8::1]' }))).toBe('2001:db8::1');
    expect(clientAddressOf(apply({ 'x-forwarded-for': '::ffff:203.0.113.7' }))).toBe('203.0.113.7');
  });
});

describe('trusted proxies: scheme and host', () => {
  it('takes the scheme and the public host:port the proxy reports, leaving out a default port', () => {
    const req = apply({
      'x-forwarded-proto': 'https',
      'x-forwarded-host': 'shop.example',
      'x-forwarded-port': '43443',
    });
    expect(isHttpsRequest(req)).toBe(true);
    expect(req.headers.host).toBe('shop.example:43443');
    const standard = apply({
      'x-forwarded-proto': 'HTTPS',
      'x-forwarded-host': 'shop.example',
      'x-forwarded-port': '443',
    });
    expect(standard.headers.host).toBe('shop.example');
  });

  it('keeps Host for a forwarded host that is not a host, and a port the host already names', () => {
    expect(apply({ 'x-forwarded-host': 'evil.test/path' }).headers.host).toBe('internal:4280');
    expect(apply({ 'x-forwarded-host': 'shop.example:8443', 'x-forwarded-port': '1' }).headers.host).toBe(
      'shop.example:8443',
    );
  });

  it('is plain HTTP when the proxy says nothing or something else', () => {
    expect(isHttpsRequest(apply({}))).toBe(false);
    expect(isHttpsRequest(apply({ 'x-forwarded-proto': 'gopher' }))).toBe(false);
  });
});

describe('checkTrustedProxy', () => {
  it('accepts addresses and CIDR blocks of either family, and names what is wrong otherwise', () => {
    for (const entry of ['127.0.0.1', '10.0.0.0/8', '::1', 'fd00::/8', '0.0.0.0/0']) {
      expect(checkTrustedProxy(entry)).toBeUndefined();
    }
    expect(checkTrustedProxy('nginx')).toMatch(/not an IP address/);
    expect(checkTrustedProxy('10.0.0.0/33')).toMatch(/prefix length/);
    expect(checkTrustedProxy('10.0.0.0/8/8')).toMatch(/not an IP address/);
  });
});
