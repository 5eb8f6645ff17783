import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import { forbiddenAddress, startInstallGuard } from './install-guard.js';

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
  it('refuses a host it cannot resolve instead of connecting by name (which would resolve it again)', async () => {
    const guard = await startInstallGuard(new Set());
    try {
      expect(await getThrough(guard.url, 'http://no-such-host.invalid/pkg')).toBeGreaterThanOrEqual(400);
      expect(guard.refused).toEqual(['no-such-host.invalid:80, which does not resolve']);
    } finally {
      await guard.close();
    }
  });

  it("names loopback, metadata and the server's own addresses", () => {
    expect(forbiddenAddress('127.0.0.2')).toContain('loopback');
    expect(forbiddenAddress('::ffff:127.0.0.1')).toContain('loopback');
    expect(forbiddenAddress('100.100.100.200')).toContain('metadata');
    expect(forbiddenAddress('192.0.2.2', new Set(['192.0.2.2']))).toContain("server's own");
    expect(forbiddenAddress('192.0.2.3', new Set(['192.0.2.2']))).toBeUndefined();
  });
});
