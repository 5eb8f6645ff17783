/**
 * Certificates by ACME HTTP-01, end to end, against Let's Encrypt's test server (Debian's pebble) on
 * loopback: pebble validates the challenge on Portico's plain port and resolves names through
 * pebble-challtestsrv; Portico trusts pebble's HTTPS as an operator would (NODE_EXTRA_CA_CERTS). The
 * order, the certificate served on the next handshake, renewal (certificates live less than the 30-day
 * renewal window here), a refusal, a failed renewal that keeps the working certificate, and two nodes on
 * PostgreSQL ordering one certificate once.
 * @see issue 18 "Certificates by ACME"
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeApp } from '../helpers/app.js';
import { type HttpsAnswer, httpsRequest } from '../helpers/certificates.js';
import { createPostgresDatabase, hasPostgres } from '../helpers/databases.js';
import {
  freePort,
  type ServeProcess,
  startPebble,
  startServeProcess,
  startTestDns,
  type TestDns,
  type TestPebble,
} from '../helpers/pebble.js';
import { deployFolders, SITES_PATH } from '../helpers/service.js';

const DAY = 86_400;

/** Creates a Standard site with a page on `server`; returns its generated host name. */
async function createSite(server: ServeProcess, name: string): Promise<string> {
  const created = await server.admin('PUT', `${SITES_PATH}/${name}`, { sku: { name: 'Standard' } });
  expect(created.status).toBe(201);
  const app = await writeApp({ 'index.html': `<h1>${name} over ACME</h1>` });
  const deployed = await deployFolders(
    { adminUrl: server.adminUrl } as never,
    String(created.json.properties.apiKey),
    app,
  );
  expect(deployed.status).toBe(200);
  return created.json.properties.defaultHostname as string;
}

/** Handshakes until `ready` holds for what the node serves for `hostname` (no certificate yet: retry). */
async function handshakeUntil(
  port: number,
  hostname: string,
  ca: string,
  ready: (answer: HttpsAnswer) => boolean,
): Promise<HttpsAnswer> {
  for (;;) {
    const answer = await httpsRequest(port, hostname, '/', ca).catch(() => undefined);
    if (answer !== undefined && ready(answer)) {
      return answer;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function domainOf(server: ServeProcess, site: string, domain: string) {
  return (await server.admin('GET', `${SITES_PATH}/${site}/customDomains/${domain}`)).json.properties;
}

describe('ACME HTTP-01 with pebble', { timeout: 180_000 }, () => {
  let dir: string;
  let dns: TestDns;
  let pebble: TestPebble;
  let server: ServeProcess;
  let root: string;
  let host: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'portico-acme-'));
    dns = await startTestDns();
    const port = await freePort();
    pebble = await startPebble({
      httpPort: port,
      dnsServer: dns.server,
      validitySeconds: 20 * DAY,
      blocklist: ['blocked.example'],
    });
    await writeFile(join(dir, 'pebble-ca.pem'), pebble.tlsCa);
    server = await startServeProcess(
      [
        ...['--data', join(dir, 'data'), '--port', String(port), '--admin-port', '0', '--https-port', '0'],
        ...['--domain', 'portico.test', '--dns-server', dns.server],
        ...['--acme-directory', pebble.directory, '--acme-email', 'ops@example.org'],
        ...['--acme-check-interval', '1', '--acme-retry', '2'],
      ],
      join(dir, 'pebble-ca.pem'),
    );
    root = await pebble.root();
    host = await createSite(server, 'shop');
  }, 120_000);

  afterAll(async () => {
    await server?.stop();
    await pebble?.close();
    await dns?.close();
    await rm(dir, { recursive: true, force: true });
  }, 60_000);

  let first: HttpsAnswer;

  it('orders a certificate for a validated domain and serves it on the next handshake', async () => {
    await dns.setCname('www.shop.example', host);
    const added = await server.admin('PUT', `${SITES_PATH}/shop/customDomains/www.shop.example`, {
      properties: { validationMethod: 'cname-delegation' },
    });
    expect(added.json.properties.status).toBe('Ready');
    first = await handshakeUntil(server.httpsPort, 'www.shop.example', root, (a) => a.status === 200);
    expect(first.altNames).toBe('DNS:www.shop.example');
    expect(first.body).toContain('shop over ACME');
    const domain = await domainOf(server, 'shop', 'www.shop.example');
    expect(domain.certificate).toMatchObject({ source: 'acme' });
  });

  it('renews a certificate within 30 days of its expiry and serves the new one', async () => {
    const renewed = await handshakeUntil(
      server.httpsPort,
      'www.shop.example',
      root,
      (a) => a.serial !== first.serial,
    );
    expect(renewed.status).toBe(200);
    expect(renewed.altNames).toBe('DNS:www.shop.example');
  });

  it('shows an ACME refusal in the domain status', async () => {
    await dns.setCname('blocked.example', host);
    const added = await server.admin('PUT', `${SITES_PATH}/shop/customDomains/blocked.example`, {
      properties: { validationMethod: 'dns-txt-token' },
    });
    await dns.setTxt('_dnsauth.blocked.example', String(added.json.properties.validationToken));
    await server.admin('PUT', `${SITES_PATH}/shop/customDomains/blocked.example`, {
      properties: { validationMethod: 'dns-txt-token' },
    });
    let domain = await domainOf(server, 'shop', 'blocked.example');
    while (domain.certificateError === null) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      domain = await domainOf(server, 'shop', 'blocked.example');
    }
    expect(domain.status).toBe('Ready');
    expect(domain.certificate).toBeNull();
    expect(domain.certificateError).toContain('did not issue a certificate for blocked.example');
  });

  it('keeps serving the working certificate when a renewal fails', async () => {
    await pebble.close();
    let domain = await domainOf(server, 'shop', 'www.shop.example');
    while (domain.certificateError === null) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      domain = await domainOf(server, 'shop', 'www.shop.example');
    }
    expect(domain.certificateError).toContain('www.shop.example');
    const still = await httpsRequest(server.httpsPort, 'www.shop.example', '/', root);
    expect(still.status).toBe(200);
    expect(still.altNames).toBe('DNS:www.shop.example');
  });
});

describe.skipIf(!hasPostgres())('ACME on two nodes sharing PostgreSQL', { timeout: 180_000 }, () => {
  let dir: string;
  let dns: TestDns;
  let pebble: TestPebble;
  let nodes: ServeProcess[] = [];
  let database: Awaited<ReturnType<typeof createPostgresDatabase>>;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'portico-acme-nodes-'));
    database = await createPostgresDatabase(process.env.PORTICO_TEST_DATABASE_URL ?? '');
    dns = await startTestDns();
    const ports = [await freePort(), await freePort()];
    pebble = await startPebble({ httpPort: ports[0] ?? 0, dnsServer: dns.server });
    await writeFile(join(dir, 'pebble-ca.pem'), pebble.tlsCa);
    const url = database.location.dialect === 'postgres' ? database.location.url : '';
    for (const port of ports) {
      nodes.push(
        await startServeProcess(
          [
            ...['--data', join(dir, `node-${port}`), '--database-url', url, '--port', String(port)],
            ...[
              '--admin-port',
              '0',
              '--https-port',
              '0',
              '--domain',
              'portico.test',
              '--dns-server',
              dns.server,
            ],
            ...['--acme-directory', pebble.directory, '--acme-check-interval', '1'],
          ],
          join(dir, 'pebble-ca.pem'),
        ),
      );
    }
  }, 120_000);

  afterAll(async () => {
    await Promise.all(nodes.map((node) => node.stop()));
    nodes = [];
    await pebble?.close();
    await dns?.close();
    await database?.cleanup();
    await rm(dir, { recursive: true, force: true });
  }, 60_000);

  it('orders one certificate once, and both nodes serve it', async () => {
    const [a, b] = nodes as [ServeProcess, ServeProcess];
    const host = await createSite(a, 'pair');
    await dns.setCname('www.pair.example', host);
    const added = await b.admin('PUT', `${SITES_PATH}/pair/customDomains/www.pair.example`, {
      properties: {},
    });
    expect(added.json.properties.status).toBe('Ready');
    const root = await pebble.root();
    const fromA = await handshakeUntil(a.httpsPort, 'www.pair.example', root, (x) => x.status === 200);
    const fromB = await handshakeUntil(b.httpsPort, 'www.pair.example', root, (x) => x.status === 200);
    expect(fromB.serial).toBe(fromA.serial);
    expect(pebble.issued()).toBe(1);
  });
});
