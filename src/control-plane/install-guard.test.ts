import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { operatorHosts, startInstallGuard } from './install-guard.js';

/** The status of a GET of `url` sent through the proxy at `proxy`. */
function getThrough(proxy: string, url: string): Promise<number> {
  const { hostname, port } = new URL(proxy);
  return new Promise((resolve, reject) => {
    const req = request({ host: hostname, port, path: url, headers: { host: new URL(url).host } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('install guard', () => {
  it('answers a host it cannot resolve as a failed connection (502, npm tries again), without connecting by name', async () => {
    const guard = await startInstallGuard(new Set());
    try {
      expect(await getThrough(guard.url, 'http://no-such-host.invalid/pkg')).toBe(502);
      expect(guard.unresolved).toEqual(['no-such-host.invalid:80']);
      expect(guard.refused).toEqual([]);
    } finally {
      await guard.close();
    }
  });

  it('reaches the hosts PORTICO_NPM_ALLOWED_HOSTS names, by name or by address, and only on their port', async () => {
    const internal = createServer((_req, res) => res.end('ok'));
    await new Promise<void>((resolve) => internal.listen(0, '127.0.0.1', resolve));
    const { port } = internal.address() as AddressInfo;
    const allowed = operatorHosts(
      {},
      { PORTICO_NPM_ALLOWED_HOSTS: ` LocalHost:${port} , 127.0.0.1:${port + 1}` },
    );
    const guard = await startInstallGuard(allowed);
    try {
      expect(await getThrough(guard.url, `http://localhost:${port}/x`)).toBe(200);
      // The same address under another name or spelling, or another port, is not what the operator named.
      expect(await getThrough(guard.url, `http://127.0.0.1:${port}/x`)).toBe(403);
      expect(await getThrough(guard.url, `http://[::ffff:127.0.0.1]:${port}/x`)).toBe(403);
      expect(guard.refused).toEqual([
        `127.0.0.1:${port} is 127.0.0.1, a loopback address, the server itself`,
        `[::ffff:7f00:1]:${port} is ::ffff:7f00:1, a loopback address, the server itself`,
      ]);
    } finally {
      await guard.close();
      await new Promise((resolve) => internal.close(resolve));
    }
  });

  /** @see the QA finding: the tunnel to the operator's proxy named the port twice (host:443:443). */
  it("asks the operator's proxy for the CONNECT target npm asked for, port once", async () => {
    const seen: string[] = [];
    const proxy = createServer();
    proxy.on('connect', (req, socket) => {
      seen.push(`${req.url} host=${req.headers.host}`);
      socket.end('HTTP/1.1 200 Connection Established\r\n\r\n');
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const url = new URL(`http://127.0.0.1:${(proxy.address() as AddressInfo).port}`);
    const guard = await startInstallGuard(new Set(), { https: url, http: url, noProxy: [] });
    try {
      const { hostname, port } = new URL(guard.url);
      const connectTo = (path: string) =>
        new Promise<number>((resolve, reject) => {
          const req = request({ host: hostname, port, method: 'CONNECT', path });
          req.on('connect', (res, socket) => {
            socket.destroy();
            resolve(res.statusCode ?? 0);
          });
          req.on('error', reject);
          req.end();
        });
      expect(await connectTo('registry.corp.invalid:443')).toBe(200);
      expect(await connectTo('registry.corp.invalid:80')).toBe(200);
      expect(seen).toEqual([
        'registry.corp.invalid:443 host=registry.corp.invalid:443',
        'registry.corp.invalid:80 host=registry.corp.invalid:80',
      ]);
    } finally {
      await guard.close();
      await new Promise((resolve) => proxy.close(resolve));
    }
  });

  /** @see decision 0104: in a multi-node setup the database and Redis sit on a private network. */
  it('refuses private, unique-local and documentation addresses a tenant names, telling the operator how to allow one', async () => {
    const guard = await startInstallGuard(new Set());
    try {
      for (const host of [
        '10.255.255.7',
        '172.16.0.7',
        '192.168.0.7',
        '100.64.0.7',
        '[fd00::7]',
        '203.0.113.7',
      ]) {
        expect(await getThrough(guard.url, `http://${host}:6379/x`), host).toBe(403);
      }
      expect(guard.refused).toEqual([
        '10.255.255.7:6379 is 10.255.255.7, a private address',
        '172.16.0.7:6379 is 172.16.0.7, a private address',
        '192.168.0.7:6379 is 192.168.0.7, a private address',
        '100.64.0.7:6379 is 100.64.0.7, a private address',
        '[fd00::7]:6379 is fd00::7, a unique-local address (a private network)',
        '203.0.113.7:6379 is 203.0.113.7, a documentation address (never on the public internet)',
      ]);
    } finally {
      await guard.close();
    }
  });

  it("counts npm's default registry as the operator's when they set no registry", () => {
    expect([...operatorHosts({}, {})]).toEqual(['registry.npmjs.org:443']);
    expect([...operatorHosts({ npm_config_registry: 'https://mirror.example/' }, {})]).toEqual([
      'mirror.example:443',
    ]);
  });

  it('reads the allowed hosts as a URL does: an IP address and an IPv6 one in brackets', () => {
    const allowed = operatorHosts(
      { npm_config_registry: 'https://[::1]/' },
      { PORTICO_NPM_ALLOWED_HOSTS: '127.0.0.1:4873,[0:0::1]:4874,git.internal.example,Registry.Example:80' },
    );
    expect([...allowed].sort()).toEqual([
      '127.0.0.1:4873',
      '[::1]:443',
      '[::1]:4874',
      'git.internal.example:80',
      'registry.example:80',
    ]);
  });
});
