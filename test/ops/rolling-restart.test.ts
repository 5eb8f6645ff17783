/**
 * A rolling restart under load loses no request (issue 14): two `portico serve` processes on one
 * PostgreSQL database and Redis, a load generator that behaves like a load balancer (a refused
 * connection, or a connection closed before any answer, goes to the other node, as nginx's default
 * `proxy_next_upstream error` does; nothing else is retried), and one node stopped with SIGTERM and
 * started again on the same ports while the load runs. Progress is counted, never timed. The backend
 * sees each `/api` call once: a retry of a call the draining node had already forwarded would show.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Service } from '../../src/serve/index.js';
import { eventually, send, writeApp } from '../helpers/app.js';
import { type Backend, startBackend } from '../helpers/backend.js';
import { type RunningCli, startCli } from '../helpers/cli.js';
import { createPostgresDatabase, hasPostgres, testDatabases, testRedisUrl } from '../helpers/databases.js';
import { deployFolders, PROVIDERS_PATH, SITES_PATH } from '../helpers/service.js';

testDatabases();
const POSTGRES_URL = process.env.PORTICO_TEST_DATABASE_URL ?? '';
const REDIS_URL = testRedisUrl();
const WEB = `${PROVIDERS_PATH}/Microsoft.Web/sites`;
const ENV = {
  ...process.env,
  PORTICO_SECRET_KEY: 'rolling-restart-test-key',
  PORTICO_ADMIN_TOKEN: 'rolling-restart-admin-token',
};

interface NodeSpec {
  port: number;
  adminPort: number;
  dataDir: string;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  return typeof address === 'object' && address !== null ? address.port : 0;
}

/**
 * One GET as a load balancer sends it: `refused` when no connection could be made, or when the
 * connection was closed before any answer. A reused keep-alive connection closed by the server as the
 * request left is the race every HTTP client must handle by retrying idempotent requests (RFC 9112
 * §9.3.1, Node's `request.reusedSocket`); a new connection the kernel accepted just before the node
 * stopped listening, or that the drain found with no request read yet, is reset the same way.
 */
function get(port: number, host: string, path: string, agent: Agent) {
  return new Promise<{ status: number; body: string } | 'refused'>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent, headers: { host } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', reject);
    });
    // `error` on the request comes only before a response: an answer cut later fails on the response.
    req.on('error', (error: NodeJS.ErrnoException) =>
      error.code === 'ECONNREFUSED' || error.code === 'ECONNRESET' ? resolve('refused') : reject(error),
    );
    req.end();
  });
}

describe.skipIf(!hasPostgres() || REDIS_URL === undefined)('a rolling restart under load', () => {
  let database: Awaited<ReturnType<typeof createPostgresDatabase>>;
  let backend: Backend;
  const specs: NodeSpec[] = [];
  const running = new Map<number, RunningCli>();

  const start = async (spec: NodeSpec) => {
    const url = database.location.dialect === 'postgres' ? database.location.url : '';
    const cli = await startCli(
      [
        'serve',
        '--data',
        spec.dataDir,
        '--port',
        String(spec.port),
        '--admin-port',
        String(spec.adminPort),
        '--domain',
        'portico.test',
        '--database-url',
        url,
        '--redis-url',
        REDIS_URL ?? '',
      ],
      60_000,
      { env: ENV },
    );
    running.set(spec.port, cli);
    return cli;
  };

  beforeAll(async () => {
    database = await createPostgresDatabase(POSTGRES_URL);
    backend = await startBackend();
    for (let i = 0; i < 2; i++) {
      specs.push({
        port: await freePort(),
        adminPort: await freePort(),
        dataDir: await mkdtemp(join(tmpdir(), 'portico-rolling-')),
      });
    }
    // One node first: it creates the schema, which two nodes starting at once would race on.
    await start(specs[0] as NodeSpec);
    await start(specs[1] as NodeSpec);
  }, 120_000);
  afterAll(async () => {
    for (const cli of running.values()) {
      await cli.stop('SIGKILL');
    }
    await backend?.close();
    for (const spec of specs) {
      await rm(spec.dataDir, { recursive: true, force: true });
    }
    await database?.cleanup();
  });

  it('answers every request while one of two nodes drains and comes back', async () => {
    const [a, b] = specs as [NodeSpec, NodeSpec];
    const adminUrl = `http://127.0.0.1:${a.adminPort}`;
    const admin = (method: string, path: string, body: unknown) =>
      send(`${adminUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${ENV.PORTICO_ADMIN_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const created = await admin('PUT', `${SITES_PATH}/rolling`, { sku: { name: 'Standard' } });
    const { defaultHostname: host, apiKey } = created.json<{
      properties: { defaultHostname: string; apiKey: string };
    }>().properties;
    const app = await writeApp({ 'index.html': '<h1>rolling</h1>' });
    expect((await deployFolders({ adminUrl } as Service, apiKey, app)).status).toBe(200);
    await admin('PUT', `${WEB}/echo`, { kind: 'app', properties: { backendUrl: backend.url } });
    const link = await admin('PUT', `${SITES_PATH}/rolling/linkedBackends/echo`, {
      properties: { backendResourceId: `${WEB}/echo`, backendType: 'webapp' },
    });
    expect(link.status).toBe(200);
    const hostHeader = (port: number) => `${host}:${port}`;
    for (const spec of specs) {
      await eventually(
        async () => (await get(spec.port, hostHeader(spec.port), '/api/ready', new Agent())) !== 'refused',
        20_000,
      );
      await eventually(async () => {
        const answer = await get(spec.port, hostHeader(spec.port), '/api/ready', new Agent());
        return answer !== 'refused' && answer.status === 200;
      }, 20_000);
    }

    const agents = new Map(specs.map((spec) => [spec.port, new Agent({ keepAlive: true })]));
    const failures: string[] = [];
    const served = new Map<number, number>();
    let done = 0;
    let refused = 0;
    let stop = false;
    let next = 0;
    const loop = async () => {
      while (!stop) {
        const n = next++;
        const path = n % 2 === 0 ? '/' : `/api/load/${n}`;
        const order = Math.trunc(n / 2) % 2 === 0 ? [a, b] : [b, a];
        let answered = false;
        for (const spec of order) {
          const answer = await get(
            spec.port,
            hostHeader(spec.port),
            path,
            agents.get(spec.port) as Agent,
          ).catch((error: NodeJS.ErrnoException) => `error ${error.code ?? error.message}` as const);
          if (answer === 'refused') {
            refused++;
            continue;
          }
          answered = true;
          if (typeof answer === 'string') {
            failures.push(`${path} on ${spec.port}: ${answer}`);
          } else if (answer.status !== 200 || (path === '/' && !answer.body.includes('rolling'))) {
            failures.push(`${path} on ${spec.port}: ${answer.status} ${answer.body.slice(0, 200)}`);
          } else {
            served.set(spec.port, (served.get(spec.port) ?? 0) + 1);
          }
          break;
        }
        if (!answered) {
          failures.push(`${path}: both nodes refused`);
        }
        done++;
      }
    };
    const loops = Array.from({ length: 6 }, () => loop());
    const progress = async (count: number) => {
      const target = done + count;
      await eventually(async () => done >= target || failures.length > 0, 60_000);
    };

    await progress(200);
    const first = running.get(a.port) as RunningCli;
    expect(await first.stop('SIGTERM')).toBe(0);
    running.delete(a.port);
    await progress(100);
    const servedBefore = served.get(a.port) ?? 0;
    await start(a);
    await eventually(
      async () => (served.get(a.port) ?? 0) > servedBefore + 50 || failures.length > 0,
      60_000,
    );
    stop = true;
    await Promise.all(loops);
    for (const agent of agents.values()) {
      agent.destroy();
    }
    expect(failures).toEqual([]);
    expect(refused).toBeGreaterThan(0);
    // A retried /api call never reached the backend twice: the draining node cut nothing in flight.
    const forwarded = backend.requests.map((r) => r.url).filter((url) => url.startsWith('/api/load/'));
    expect(forwarded.length).toBeGreaterThan(100);
    expect(forwarded.length).toBe(new Set(forwarded).size);
    expect(done).toBeGreaterThan(350);
  }, 240_000);
});
