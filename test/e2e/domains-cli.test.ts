/**
 * The built CLI with the production edge: `portico serve --https-port --tls-cert --tls-key --dns-server`
 * and `portico domain add|list|show|delete`, against pebble-challtestsrv as the DNS server.
 * @see issue 18
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../helpers/app.js';
import { createTestCa, httpsRequest, type TestCa } from '../helpers/certificates.js';
import { type RunningCli, runCli, startCli } from '../helpers/cli.js';
import { startTestDns, type TestDns } from '../helpers/pebble.js';

describe('portico serve --https-port and portico domain', { timeout: 120_000 }, () => {
  let dataDir: string;
  let server: RunningCli;
  let dns: TestDns;
  let ca: TestCa;
  let adminUrl: string;
  let token: string;
  const cli = (args: string[]) => runCli([...args, '--url', adminUrl, '--token', token], 60_000);

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'portico-e2e-domains-'));
    dns = await startTestDns();
    ca = await createTestCa();
    const pair = await ca.issue(['portico.test', '*.portico.test']);
    await writeFile(join(dataDir, 'cert.pem'), pair.cert);
    await writeFile(join(dataDir, 'key.pem'), pair.key);
    server = await startCli(
      [
        'serve',
        ...[
          '--data',
          dataDir,
          '--port',
          '0',
          '--admin-port',
          '0',
          '--https-port',
          '0',
          '--domain',
          'portico.test',
        ],
        ...['--tls-cert', join(dataDir, 'cert.pem'), '--tls-key', join(dataDir, 'key.pem')],
        ...['--dns-server', dns.server],
        // No ACME server here (and never the real Let's Encrypt from a test): orders fail and are retried.
        ...['--acme-directory', 'http://127.0.0.1:9/directory'],
      ],
      20_000,
    );
    await eventually(async () => /Management API at (http:\/\/\S+)/.test(server.stdout()), 20_000);
    adminUrl = /Management API at (http:\/\/\S+)/.exec(server.stdout())?.[1] ?? '';
    token = (await readFile(join(dataDir, 'admin-token'), 'utf8')).trim();
  }, 60_000);

  afterAll(async () => {
    await server?.stop();
    await dns?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('refuses --tls-cert without --tls-key, and TLS files without --https-port', async () => {
    const half = await runCli(['serve', '--data', dataDir, '--port', '0', '--tls-cert', 'x.pem']);
    expect(half.code).not.toBe(0);
    expect(half.stderr).toContain('--tls-key is missing');
    const noPort = await runCli(['serve', '--data', dataDir, '--tls-cert', 'x.pem', '--tls-key', 'y.pem']);
    expect(noPort.code).not.toBe(0);
    expect(noPort.stderr).toContain('--https-port');
  });

  it('says where HTTPS listens, and serves the site over it by SNI', async () => {
    const httpsPort = Number(/HTTPS on port (\d+)/.exec(server.stdout())?.[1]);
    expect(httpsPort).toBeGreaterThan(0);
    expect((await cli(['site', 'create', 'blog', '--plan', 'standard'])).code).toBe(0);
    const site = JSON.parse((await cli(['site', 'show', 'blog', '--json'])).stdout);
    const host = site.properties.defaultHostname as string;
    const answer = await httpsRequest(httpsPort, host, '/', ca.cert);
    expect(answer.altNames).toContain('*.portico.test');
  });

  it('adds a domain, says which record to create, and follows it to Ready', async () => {
    const site = JSON.parse((await cli(['site', 'show', 'blog', '--json'])).stdout);
    const target = site.properties.defaultHostname as string;
    const pending = await cli(['domain', 'add', '--site', 'blog', 'www.blog.example']);
    expect(pending.code).toBe(0);
    expect(pending.stdout).toContain('Validating');
    expect(pending.stdout).toContain(`www.blog.example CNAME ${target}`);
    await dns.setCname('www.blog.example', target);
    const ready = await cli(['domain', 'add', '--site', 'blog', 'www.blog.example', '--json']);
    expect(JSON.parse(ready.stdout).properties.status).toBe('Ready');
    const list = await cli(['domain', 'list', '--site', 'blog']);
    expect(list.stdout).toMatch(/www\.blog\.example\s+Ready\s+cname-delegation/);
    const show = await cli(['domain', 'show', '--site', 'blog', 'www.blog.example']);
    expect(show.stdout).toMatch(/Status:\s+Ready/);
  });

  it('for an apex domain, names the TXT record and the A/AAAA record that brings visitors', async () => {
    const site = JSON.parse((await cli(['site', 'show', 'blog', '--json'])).stdout);
    const target = site.properties.defaultHostname as string;
    const apex = await cli(['domain', 'add', '--site', 'blog', 'blog.example']);
    expect(apex.code, apex.stderr).toBe(0);
    expect(apex.stdout).toMatch(/Add this DNS record: _dnsauth\.blog\.example TXT "[^"]+"/);
    expect(apex.stdout).toContain(
      `Also point blog.example at the service: an A record (and AAAA for IPv6) with the address of ${target}`,
    );
    await cli(['domain', 'delete', '--site', 'blog', 'blog.example', '--yes']);
  });

  it('installs an uploaded certificate with domain cert set, served by SNI', async () => {
    const pair = await ca.issue(['www.blog.example']);
    await writeFile(join(dataDir, 'www.pem'), pair.cert);
    await writeFile(join(dataDir, 'www.key'), pair.key);
    const set = await cli([
      ...['domain', 'cert', 'set', '--site', 'blog', 'www.blog.example'],
      ...['--cert', join(dataDir, 'www.pem'), '--key', join(dataDir, 'www.key')],
    ]);
    expect(set.code).toBe(0);
    expect(set.stdout).toContain('now serves the uploaded certificate');
    const httpsPort = Number(/HTTPS on port (\d+)/.exec(server.stdout())?.[1]);
    const answer = await httpsRequest(httpsPort, 'www.blog.example', '/', ca.cert);
    expect(answer.altNames).toBe('DNS:www.blog.example');
  });

  it('explains a bad domain on stderr with a non-zero exit', async () => {
    const wildcard = await cli(['domain', 'add', '--site', 'blog', '*.blog.example']);
    expect(wildcard.code).not.toBe(0);
    expect(wildcard.stderr).toContain('wildcard');
    // A record that points elsewhere fails the domain for good: the command fails and says why.
    await dns.setCname('shop.blog.example', 'elsewhere.example');
    const wrong = await cli(['domain', 'add', '--site', 'blog', 'shop.blog.example']);
    expect(wrong.code).toBe(1);
    expect(wrong.stdout).toMatch(/Status:\s+Failed/);
    expect(wrong.stderr).toContain('portico: shop.blog.example failed validation:');
    expect(wrong.stderr).toContain('then run portico domain add --site blog shop.blog.example again');
    // Nothing checks a failed domain again by itself: the output never says otherwise.
    expect(wrong.stdout).not.toContain('checks it every minute');
  });

  it('deletes a domain only with --yes when there is no terminal to confirm on', async () => {
    const unconfirmed = await cli(['domain', 'delete', '--site', 'blog', 'www.blog.example']);
    expect(unconfirmed.code).not.toBe(0);
    expect(unconfirmed.stderr).toContain('--yes');
    expect((await cli(['domain', 'show', '--site', 'blog', 'www.blog.example'])).code).toBe(0);
    const deleted = await cli(['domain', 'delete', '--site', 'blog', 'www.blog.example', '--yes']);
    expect(deleted.code).toBe(0);
    const show = await cli(['domain', 'show', '--site', 'blog', 'www.blog.example']);
    expect(show.code).not.toBe(0);
    expect(show.stderr).toContain('no custom domain');
  });
});
