/**
 * The service certificate's end is told in the log before browsers refuse it: from 14 days before, once
 * a day, and once it has passed. Which host names it covers decides which plain-HTTP requests are sent to
 * HTTPS.
 */
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createTestCa } from '../../test/helpers/certificates.js';
import { recordingLogger } from '../../test/helpers/functions-host.js';
import { certificateCovers, createExpiryWarning, loadServiceCertificate } from './service-certificate.js';

const DAY = 86_400_000;

describe('the service certificate nearing its end', () => {
  it('warns from 14 days before, at most once a day, then that it expired; never earlier', () => {
    let now = Date.now();
    // The ends of a certificate issued now for 10 days, and of one for 90.
    const soon = new Date(now + 10 * DAY - 60_000);
    const later = new Date(now + 90 * DAY);
    const logger = recordingLogger();
    const expiry = createExpiryWarning('/etc/portico/cert.pem', logger, () => now);

    expiry.check(later);
    expect(logger.lines).toEqual([]);
    expiry.check(soon);
    expiry.check(soon);
    expect(logger.lines).toHaveLength(1);
    expect(logger.lines[0]).toMatch(
      /^warn: the service certificate \/etc\/portico\/cert\.pem \(--tls-cert\) expires on \S+, in 10 day\(s\): renew it/,
    );
    now += DAY;
    expiry.check(soon);
    expect(logger.lines).toHaveLength(2);
    now += 10 * DAY;
    expiry.check(soon);
    expect(logger.lines[2]).toMatch(/expired on \S+: browsers refuse HTTPS .* Renew it now/);
  });
});

describe('the names a certificate covers, as a browser matches them', () => {
  it('lets a wildcard stand for exactly one whole label of a DNS name, never the common name', async () => {
    const ca = await createTestCa();
    const wildcard = new X509Certificate((await ca.issue(['*.sites.test'])).cert);
    expect(certificateCovers(wildcard, 'jolly-beach-1.sites.test')).toBe(true);
    expect(certificateCovers(wildcard, 'fail.test')).toBe(false);
    expect(certificateCovers(wildcard, 'sites.test')).toBe(false);
    expect(certificateCovers(wildcard, 'a.b.sites.test')).toBe(false);
    // The subject reads CN=*.sites.test; a name absent from the alternative names is not covered by it.
    const named = new X509Certificate((await ca.issue(['*.sites.test', 'www.contoso.test'])).cert);
    expect(certificateCovers(named, 'www.contoso.test')).toBe(true);
    const partial = new X509Certificate((await ca.issue(['w*.sites.test'])).cert);
    expect(certificateCovers(partial, 'www.sites.test')).toBe(false);
    const underOneLabel = new X509Certificate((await ca.issue(['*.localhost'])).cert);
    expect(certificateCovers(underOneLabel, 'jolly-beach-1.localhost')).toBe(false);
  });

  it('reads a certificate without DNS names by its common name, as Node does (openssl req -subj alone)', () => {
    const folder = mkdtempSync(join(tmpdir(), 'portico-cn-'));
    try {
      const [key, cert] = [join(folder, 'key.pem'), join(folder, 'cert.pem')];
      execFileSync(
        'openssl',
        ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1'].concat([
          '-subj',
          '/CN=*.sites.test',
          '-keyout',
          key,
          '-out',
          cert,
        ]),
        { stdio: 'ignore' },
      );
      const commonNameOnly = new X509Certificate(readFileSync(cert));
      expect(certificateCovers(commonNameOnly, 'jolly-beach-1.sites.test')).toBe(true);
      expect(certificateCovers(commonNameOnly, 'a.b.sites.test')).toBe(false);
      // Browsers ignore the common name: the operator is told at load, with the fix.
      const logger = recordingLogger();
      loadServiceCertificate({ certFile: cert, keyFile: key, domain: 'sites.test' }, logger).close();
      expect(logger.lines.join('\n')).toContain(
        'names *.sites.test only as its common name, which browsers ignore',
      );
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});

describe('a service certificate pair that cannot be used', () => {
  it("names the file at fault in the user's words, not OpenSSL's", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'portico-tls-bad-'));
    try {
      const ca = await createTestCa();
      const pair = await ca.issue(['*.portico.test']);
      const other = await ca.issue(['*.portico.test']);
      const write = (name: string, text: string) => {
        writeFileSync(join(dir, name), text);
        return join(dir, name);
      };
      const notPem = write('bad.pem', 'not a certificate\n');
      const cert = write('cert.pem', pair.cert);
      const otherKey = write('other-key.pem', other.key);
      const load = (certFile: string, keyFile: string) => () =>
        loadServiceCertificate({ certFile, keyFile, domain: 'portico.test' }, recordingLogger());
      expect(load(notPem, notPem)).toThrow(
        /cannot be used \(the certificate\): it is not a PEM X\.509 certificate \(-----BEGIN CERTIFICATE-----\)/,
      );
      expect(load(notPem, notPem)).not.toThrow(/routines/);
      expect(load(cert, notPem)).toThrow(/\(the key\): it is not an unencrypted PEM private key/);
      expect(load(cert, otherKey)).toThrow(/\(the pair\): the key does not belong to the certificate/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
