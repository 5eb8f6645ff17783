/**
 * ACME orders that cannot go on. A node stopped while it orders a certificate gives the order back: the
 * domain's lease is released and the attempt forgotten, so another node (or this one, started again)
 * orders at once instead of after the lease's ten minutes and `--acme-retry` (the ACME server here never
 * answers, so the order is under way when the node stops; the domain is validated against a real DNS
 * server, pebble-challtestsrv). An ACME server this machine does not trust is reported as such.
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { orderCertificate } from '../../src/tls/acme.js';
import { createTestCa } from '../helpers/certificates.js';
import { startTestDns, type TestDns } from '../helpers/pebble.js';
import { createDeployedSite, removeData, SITES_PATH, startTestService } from '../helpers/service.js';

describe('ACME orders that cannot go on', () => {
  let dns: TestDns;
  let silent: Server;

  beforeAll(async () => {
    dns = await startTestDns();
    // An ACME directory that takes requests and never answers them.
    silent = createServer(() => undefined);
    silent.listen(0, '127.0.0.1');
    await once(silent, 'listening');
  });
  afterAll(async () => {
    silent?.closeAllConnections();
    silent?.close();
    await dns?.close();
  });

  it('releases the lease and forgets the attempt when the node stops', async () => {
    const { port } = silent.address() as AddressInfo;
    const t = await startTestService({
      extra: {
        dnsServer: dns.server,
        domainCheckIntervalMs: 200,
        https: {
          port: 0,
          acme: { directoryUrl: `http://127.0.0.1:${port}/directory`, checkIntervalMs: 3_600_000 },
        },
      },
    });
    const dataDir = t.dataDir;
    try {
      const host = await createDeployedSite(t, 'shop', { files: { 'index.html': '<h1>shop</h1>' } });
      await dns.setCname('www.shop-acme.example', host);
      const added = await t.admin('PUT', `${SITES_PATH}/shop/customDomains/www.shop-acme.example`, {
        properties: {},
      });
      expect(added.status, added.text).toBeLessThan(300);
      const db = new BetterSqlite3(join(dataDir, 'portico.db'), { readonly: true });
      try {
        const lease = () =>
          db.prepare("select holder from leases where name = 'acme:www.shop-acme.example'").get();
        while (lease() === undefined) {
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        await t.close();
        expect(lease()).toBeUndefined();
        const domain = db
          .prepare(
            "select certificate_attempt_at from custom_domains where domain_name = 'www.shop-acme.example'",
          )
          .get() as { certificate_attempt_at: string | null };
        expect(domain.certificate_attempt_at).toBeNull();
      } finally {
        db.close();
      }
    } finally {
      await t.close().catch(() => undefined);
      await removeData(dataDir);
    }
  }, 60_000);

  it('says an ACME server it does not trust is not trusted, and how to trust it', async () => {
    const ca = await createTestCa('Untrusted ACME CA');
    const pair = await ca.issue(['127.0.0.1', 'localhost']);
    const server = createHttpsServer({ cert: pair.cert, key: pair.key }, (_req, res) => res.end('{}'));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const { port } = server.address() as AddressInfo;
      const directoryUrl = `https://localhost:${port}/dir`;
      const order = orderCertificate({
        directoryUrl,
        accountKey: 'unused',
        hostname: 'www.example.org',
        challenges: { put: async () => undefined, remove: async () => undefined },
      });
      await expect(order).rejects.toThrow(
        `The ACME server at ${directoryUrl} cannot be reached to order a certificate for www.example.org: its TLS certificate is not trusted here`,
      );
      await expect(order).rejects.toThrow('NODE_EXTRA_CA_CERTS');
    } finally {
      server.close();
    }
  });
});
