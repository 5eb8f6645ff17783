import { describe, expect, it } from 'vitest';
import { bypassesProxy, canChainTo, operatorProxyOf, upstreamFor } from './install-upstream.js';

describe('operatorProxyOf', () => {
  it('picks the proxy of each scheme as npm does, and reads the no-proxy list', () => {
    const proxy = operatorProxyOf({
      HTTPS_PROXY: 'http://ops:pw@proxy.corp:3128',
      HTTP_PROXY: 'http://plain.corp:3128',
      NO_PROXY: 'localhost, 127.0.0.1 .corp.example',
    });
    expect(proxy?.https?.host).toBe('proxy.corp:3128');
    // npm prefers https_proxy for http:// URLs too.
    expect(proxy?.http?.host).toBe('proxy.corp:3128');
    expect(proxy?.noProxy).toEqual(['localhost', '127.0.0.1', '.corp.example']);
    expect(operatorProxyOf({ HTTP_PROXY: 'http://plain.corp:3128' })?.https).toBeUndefined();
    expect(operatorProxyOf({ NO_PROXY: 'localhost' })).toBeUndefined();
  });

  it('chains HTTP and HTTPS proxies only', () => {
    expect(canChainTo(operatorProxyOf({ HTTPS_PROXY: 'https://p:3128' }) ?? never())).toBe(true);
    expect(canChainTo(operatorProxyOf({ npm_config_proxy: 'socks5://p:1080' }) ?? never())).toBe(false);
  });
});

describe('bypassesProxy', () => {
  it('matches a host by its last labels, as npm’s agent does', () => {
    const list = ['localhost', '127.0.0.1', '.corp.example'];
    expect(bypassesProxy('localhost', list)).toBe(true);
    expect(bypassesProxy('127.0.0.1', list)).toBe(true);
    expect(bypassesProxy('npm.corp.example', list)).toBe(true);
    expect(bypassesProxy('registry.npmjs.org', list)).toBe(false);
    expect(bypassesProxy('127.0.0.2', list)).toBe(false);
    const proxy = operatorProxyOf({ HTTPS_PROXY: 'http://p:3128', NO_PROXY: list.join(',') });
    expect(upstreamFor(proxy, 'https', 'localhost')).toBeUndefined();
    expect(upstreamFor(proxy, 'https', 'registry.npmjs.org')?.host).toBe('p:3128');
  });
});

function never(): never {
  throw new Error('expected a proxy');
}
