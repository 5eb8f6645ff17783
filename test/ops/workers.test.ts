/**
 * `portico serve --workers <n>` (issue 14): n processes on the same ports; a rate limit of 10 per
 * minute holds across 4 workers without Redis (counters kept by the primary); a worker killed under load
 * is replaced and the node keeps answering. The real CLI; each request on a new connection, so the
 * primary hands them to the workers in turn.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { get as httpGet } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, send, writeApp } from '../helpers/app.js';
import { type Backend, startBackend } from '../helpers/backend.js';
import { type RunningCli, runCli, startCli, timeoutFor } from '../helpers/cli.js';
import { PROVIDERS_PATH, SITES_PATH } from '../helpers/service.js';
import { parsePrometheus, sampleValue } from './prometheus.js';

const SVC = `${PROVIDERS_PATH}/Microsoft.ApiManagement/service/limits`;
const GATEWAY_HOST = 'limits.azure-api.portico.test';

/** A GET on a connection of its own. */
function getFresh(port: number, host: string, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpGet({ host: '127.0.0.1', port, path, agent: false, headers: { host } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    // A safety net only (a hung request fails the test instead of hanging it).
    req.setTimeout(30_000, () => req.destroy(Object.assign(new Error('no answer'), { code: 'TIMEOUT' })));
  });
}

describe('portico serve --workers 4 (SQLite, no Redis)', () => {
  let cli: RunningCli;
  let backend: Backend;
  let dataDir: string;
  let adminUrl: string;
  let port: number;
  let token: string;
  const admin = (method: string, path: string, body?: unknown) =>
    send(`${adminUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  const workerPids = () =>
    [...cli.stderr().matchAll(/serv\w+ (?:again )?\(pids ([\d, ]+)\)/g)]
      .at(-1)?.[1]
      ?.split(', ')
      .map(Number) ?? [];

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'portico-workers-'));
    backend = await startBackend();
    cli = await startCli(
      [
        'serve',
        '--data',
        dataDir,
        '--port',
        '0',
        '--admin-port',
        '0',
        '--domain',
        'portico.test',
        '--workers',
        '4',
      ],
      60_000,
    );
    await eventually(async () => workerPids().length === 4, 60_000);
    adminUrl = /Management API at (http:\/\/\S+)/.exec(cli.stdout())?.[1] ?? '';
    port = Number(new URL(cli.url).port);
    token = (await readFile(join(dataDir, 'admin-token'), 'utf8')).trim();
    expect((await admin('PUT', SVC, { properties: {} })).status).toBe(201);
    const api = await admin('PUT', `${SVC}/apis/echo`, {
      properties: { path: 'echo', serviceUrl: `${backend.url}/api`, subscriptionRequired: false },
    });
    expect(api.status).toBe(201);
    await admin('PUT', `${SVC}/apis/echo/operations/all`, {
      properties: { method: 'GET', urlTemplate: '/*' },
    });
    const policy = await admin('PUT', `${SVC}/apis/echo/policies/policy`, {
      properties: {
        format: 'rawxml',
        value:
          '<policies><inbound><rate-limit-by-key calls="10" renewal-period="60" counter-key="everyone" /></inbound></policies>',
      },
    });
    expect([200, 201]).toContain(policy.status);
    // Every worker serves the gateway before the count starts (they follow the change log).
    await eventually(async () => {
      const statuses = await Promise.all(
        [0, 1, 2, 3].map(() => getFresh(port, GATEWAY_HOST, '/nothing-here')),
      );
      return statuses.every((status) => status === 404);
    }, 20_000);
  }, 120_000);
  afterAll(async () => {
    await cli?.stop('SIGTERM');
    await backend?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it.runIf(existsSync('/proc/self/cmdline'))(
    'starts every worker with the larger young generation and without the memory reducer (decisions 0040, 0048)',
    async () => {
      for (const pid of workerPids()) {
        const args = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0');
        expect(args, `worker ${pid}`).toContain('--min-semi-space-size=32');
        expect(args, `worker ${pid}`).toContain('--no-memory-reducer');
      }
    },
  );

  it('holds a rate limit of 10 per minute across the workers', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 15; i++) {
      statuses.push(await getFresh(port, GATEWAY_HOST, `/echo/call/${i}`));
    }
    expect(statuses.filter((s) => s === 200)).toHaveLength(10);
    expect(statuses.filter((s) => s === 429)).toHaveLength(5);
    // One scrape, answered by any worker, sums every worker's counts.
    const scrape = await send(`${adminUrl}/metrics`, { headers: { authorization: `Bearer ${token}` } });
    const samples = parsePrometheus(scrape.text);
    const calls = (status: string) =>
      sampleValue(samples, 'portico_gateway_calls_total', { service: 'limits', api: 'echo', status });
    expect([calls('2xx'), calls('429')]).toEqual([10, 5]);
  });

  it("drops a deleted site's series from every worker's registry", {
    timeout: timeoutFor(1, 60_000),
  }, async () => {
    const created = await admin('PUT', `${SITES_PATH}/brief`, { sku: { name: 'Standard' } });
    const host = created.json<{ properties: { defaultHostname: string } }>().properties.defaultHostname;
    const app = await writeApp({ 'index.html': '<h1>brief</h1>' });
    const deployed = await runCli(['deploy', app, '--site', 'brief', '--url', adminUrl, '--token', token]);
    expect(deployed.code, deployed.stderr).toBe(0);
    // Fresh connections go to the workers in turn: every worker counts some of these.
    await eventually(async () => {
      const statuses = await Promise.all([0, 1, 2, 3].map(() => getFresh(port, host, '/')));
      return statuses.every((status) => status === 200);
    }, 20_000);
    for (let i = 0; i < 8; i++) {
      expect(await getFresh(port, host, '/')).toBe(200);
    }
    const briefSeries = async () => {
      const scrape = await send(`${adminUrl}/metrics`, { headers: { authorization: `Bearer ${token}` } });
      return parsePrometheus(scrape.text).filter((sample) => sample.labels.site === 'brief');
    };
    expect((await briefSeries()).length).toBeGreaterThan(0);
    expect((await admin('DELETE', `${SITES_PATH}/brief`)).status).toBeLessThan(300);
    await eventually(async () => (await briefSeries()).length === 0, 20_000);
  });

  it('replaces a worker killed under load and keeps answering', async () => {
    const [victim] = workerPids();
    expect(victim).toBeGreaterThan(0);
    let stop = false;
    let replaced = false;
    let ok = 0;
    const failures: { status: string; afterReplacement: boolean }[] = [];
    const loop = async () => {
      while (!stop) {
        const afterReplacement = replaced;
        const status = await getFresh(port, 'nobody.portico.test', '/').catch(
          (error: NodeJS.ErrnoException) => error.code ?? 'error',
        );
        if (status === 404) {
          ok++;
        } else {
          failures.push({ status: String(status), afterReplacement });
        }
      }
    };
    const loops = [loop(), loop(), loop()];
    await eventually(async () => ok >= 50, 30_000);
    process.kill(victim as number, 'SIGKILL');
    await eventually(async () => cli.stderr().includes('serves again'), 60_000);
    replaced = true;
    const after = ok;
    await eventually(async () => ok >= after + 200, 30_000);
    stop = true;
    await Promise.all(loops);
    // Only requests in flight on the killed worker may fail (at most one per loop); none sent after.
    expect(failures.filter((f) => f.afterReplacement)).toEqual([]);
    expect(failures.length).toBeLessThanOrEqual(3);
    expect(workerPids()).toHaveLength(4);
    expect(workerPids()).not.toContain(victim);
  }, 120_000);
});

describe('portico serve --workers 2 whose workers cannot start', () => {
  it(
    'stops with an error instead of leaving workers that serve nothing',
    async () => {
      const dataDir = await mkdtemp(join(tmpdir(), 'portico-workers-fail-'));
      const missing = join(dataDir, 'no-such-cert.pem');
      try {
        // The primary forks before anything is loaded; each worker then fails on the certificate.
        const run = await runCli(
          [
            'serve',
            '--data',
            dataDir,
            '--port',
            '0',
            '--admin-port',
            '0',
            '--https-port',
            '0',
            '--tls-cert',
            missing,
            '--tls-key',
            missing,
            '--workers',
            '2',
          ],
          timeoutFor(6),
        );
        expect(run.code).toBe(1);
        expect(run.stderr).toContain(`Cannot read the certificate (--tls-cert) ${missing}`);
      } finally {
        await rm(dataDir, { recursive: true, force: true });
      }
    },
    timeoutFor(8),
  );
});
