import { X509Certificate } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveCertificate, userCacheDir } from './certificate.js';

describe('resolveCertificate', () => {
  it('generates a certificate for localhost, 127.0.0.1 and ::1, reuses it, and renews it near expiry', async () => {
    const cacheDir = await mkdtemp(join(tmpdir(), 'portico-cert-'));
    try {
      const now = new Date();
      const first = await resolveCertificate({ cacheDir, now });
      expect(first.origin).toBe('generated');
      const x509 = new X509Certificate(first.cert);
      expect(x509.subjectAltName).toContain('DNS:localhost');
      expect(x509.subjectAltName).toContain('IP Address:127.0.0.1');
      expect(x509.checkHost('localhost')).toBe('localhost');
      const again = await resolveCertificate({ cacheDir, now });
      expect(again).toMatchObject({ origin: 'cached', cert: first.cert });
      const nearExpiry = new Date(new Date(x509.validTo).getTime() - 24 * 3600 * 1000);
      const renewed = await resolveCertificate({ cacheDir, now: nearExpiry });
      expect(renewed.origin).toBe('generated');
      expect(renewed.cert).not.toBe(first.cert);
    } finally {
      await rm(cacheDir, { recursive: true, force: true });
    }
  });

  it('the cache folder follows XDG_CACHE_HOME, else ~/.cache', () => {
    expect(userCacheDir({ XDG_CACHE_HOME: '/x/cache' })).toBe('/x/cache/portico');
    expect(userCacheDir({})).toMatch(/\.cache\/portico$/);
  });
});
