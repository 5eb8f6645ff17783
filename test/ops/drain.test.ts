/**
 * Graceful drain of `portico serve` (issue 14): SIGTERM stops accepting, lets requests in flight finish
 * and exits 0; a second SIGTERM exits at once. The real CLI process, a real backend that holds its
 * answers until the test releases them (no timing).
 */
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rename, rm } from 'node:fs/promises';
import { createServer, get as httpGet, type ServerResponse } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { closeServer, listen } from '../../src/edge/index.js';
import type { Service } from '../../src/serve/index.js';
import { eventually, send, type TestResponse, writeApp } from '../helpers/app.js';
import { type RunningCli, startCli } from '../helpers/cli.js';
import { deployFolders, PROVIDERS_PATH, SITES_PATH } from '../helpers/service.js';

const WEB = `${PROVIDERS_PATH}/Microsoft.Web/sites`;

/** A backend whose `/api/hold` answers wait until `release()`. */
async function startHoldingBackend() {
  const held: ServerResponse[] = [];
  const waiters: (() => void)[] = [];
  const server = createServer((req, res) => {
    if ((req.url ?? '').startsWith('/api/hold')) {
      held.push(res);
      for (const wake of waiters.splice(0)) {
        wake();
      }
      return;
    }
    res.end('quick');
  });
  const port = await listen(server, 0, '127.0.0.1');
  return {
    url: `http://127.0.0.1:${port}`,
    /** Resolves once `count` requests are held. */
    async holding(count: number) {
      while (held.length < count) {
        await new Promise<void>((resolve) => waiters.push(resolve));
      }
    },
    release() {
      for (const res of held.splice(0)) {
        res.end('released');
      }
    },
    close: () => closeServer(server),
  };
}

interface Node {
  cli: RunningCli;
  adminUrl: string;
  port: number;
  token: string;
  dataDir: string;
  /** The `--access-log` file, when the node was started with one. */
  accessLog: string;
  exited: Promise<number | null>;
}

async function startNode(
  options: { accessLog?: boolean | string; drainTimeoutSeconds?: number; workers?: number } = {},
): Promise<Node> {
  const dataDir = await mkdtemp(join(tmpdir(), 'portico-drain-'));
  const accessLog = typeof options.accessLog === 'string' ? options.accessLog : join(dataDir, 'access.log');
  const cli = await startCli(
    [
      ...['serve', '--data', dataDir, '--port', '0', '--admin-port', '0', '--domain', 'portico.test'],
      ...(options.accessLog ? ['--access-log', accessLog] : []),
      ...(options.drainTimeoutSeconds === undefined
        ? []
        : ['--drain-timeout', String(options.drainTimeoutSeconds)]),
      ...(options.workers === undefined ? [] : ['--workers', String(options.workers)]),
    ],
    30_000,
  );
  await eventually(async () => /Management API at (http:\/\/\S+)/.test(cli.stdout()));
  const adminUrl = /Management API at (http:\/\/\S+)/.exec(cli.stdout())?.[1] ?? '';
  const token = (await readFile(join(dataDir, 'admin-token'), 'utf8')).trim();
  const exited = new Promise<number | null>((resolve) => {
    if (cli.child.exitCode !== null) {
      resolve(cli.child.exitCode);
    }
    cli.child.once('exit', (code) => resolve(code));
  });
  return { cli, adminUrl, port: Number(new URL(cli.url).port), token, dataDir, accessLog, exited };
}

/** A site on `node` whose /api is the holding backend. */
async function siteWithBackend(node: Node, backendUrl: string): Promise<string> {
  const admin = (method: string, path: string, body: unknown) =>
    send(`${node.adminUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${node.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const created = await admin('PUT', `${SITES_PATH}/drain`, { sku: { name: 'Standard' } });
  const { defaultHostname, apiKey } = created.json<{
    properties: { defaultHostname: string; apiKey: string };
  }>().properties;
  const app = await writeApp({ 'index.html': '<h1>drain</h1>' });
  expect((await deployFolders({ adminUrl: node.adminUrl } as Service, apiKey, app)).status).toBe(200);
  expect((await admin('PUT', `${WEB}/held`, { kind: 'app', properties: { backendUrl } })).status).toBe(201);
  const link = await admin('PUT', `${SITES_PATH}/drain/linkedBackends/held`, {
    properties: { backendResourceId: `${WEB}/held`, backendType: 'webapp' },
  });
  expect(link.status).toBe(200);
  return defaultHostname;
}

/** A GET on a connection of its own (no keep-alive pool), as a balancer's health probe makes it. */
function getOnNewConnection(
  port: number,
  path: string,
  token?: string,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const headers = token === undefined ? {} : { authorization: `Bearer ${token}` };
    const req = httpGet({ host: '127.0.0.1', port, path, agent: false, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
  });
}

function refusesConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(true));
  });
}

describe('portico serve drains on SIGTERM', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) {
      await cleanup().catch(() => undefined);
    }
  });

  it('stops accepting, finishes the requests in flight and exits 0', async () => {
    const backend = await startHoldingBackend();
    const node = await startNode();
    cleanups.push(
      backend.close,
      async () => node.cli.child.kill('SIGKILL'),
      () => rm(node.dataDir, { recursive: true, force: true }),
    );
    const host = await siteWithBackend(node, backend.url);
    const get = (path: string) =>
      send(`http://127.0.0.1:${node.port}${path}`, { headers: { host: `${host}:${node.port}` } });
    const inFlight: Promise<TestResponse>[] = [];
    for (let i = 0; i < 4; i++) {
      inFlight.push(get(`/api/hold/${i}`));
    }
    await backend.holding(4);
    node.cli.child.kill('SIGTERM');
    await eventually(async () => refusesConnections(node.port), 20_000);
    // The admin port still takes new connections until the data plane has drained (docs/operations.md
    // "Stopping: graceful drain"): a balancer's probe on a new connection reads 503, not a refusal.
    const adminPort = Number(new URL(node.adminUrl).port);
    const probe = await getOnNewConnection(adminPort, '/readyz');
    expect(probe.status).toBe(503);
    expect(JSON.parse(probe.body)).toMatchObject({ down: ['listeners'], checks: { listeners: 'down' } });
    expect((await getOnNewConnection(adminPort, SITES_PATH, node.token)).status).toBe(200);
    const ready = await send(`${node.adminUrl}/readyz`);
    expect(ready.status).toBe(503);
    expect(ready.json()).toMatchObject({ down: ['listeners'], checks: { listeners: 'down' } });
    // The reason, for the admin token only.
    const told = await send(`${node.adminUrl}/readyz`, {
      headers: { authorization: `Bearer ${node.token}` },
    });
    expect(told.json()).toMatchObject({ checks: { listeners: expect.stringContaining('draining') } });
    backend.release();
    const answers = await Promise.all(inFlight);
    expect(answers.map((a) => `${a.status} ${a.text}`)).toEqual(Array(4).fill('200 released'));
    // Answered during the drain, so no client sends another request on these connections.
    expect(answers.map((a) => a.header('connection'))).toEqual(Array(4).fill('close'));
    expect(await node.exited).toBe(0);
    expect(node.cli.stderr()).toContain('draining');
  }, 90_000);

  it.skipIf(!existsSync('/dev/full'))(
    'stops on SIGTERM while its access log cannot be written (a full disk)',
    async () => {
      const node = await startNode({ accessLog: '/dev/full' });
      cleanups.push(
        async () => node.cli.child.kill('SIGKILL'),
        () => rm(node.dataDir, { recursive: true, force: true }),
      );
      for (let i = 0; i < 20; i++) {
        await send(`http://127.0.0.1:${node.port}/page/${i}`, { headers: { host: 'nosite.portico.test' } });
      }
      await eventually(async () => node.cli.stderr().includes('Cannot write the access log /dev/full'));
      node.cli.child.kill('SIGTERM');
      expect(await node.exited).toBe(0);
    },
    90_000,
  );

  it('has written the access-log line of every request it answered when it exits', async () => {
    const backend = await startHoldingBackend();
    const node = await startNode({ accessLog: true });
    cleanups.push(
      backend.close,
      async () => node.cli.child.kill('SIGKILL'),
      () => rm(node.dataDir, { recursive: true, force: true }),
    );
    const host = await siteWithBackend(node, backend.url);
    const get = (path: string) =>
      send(`http://127.0.0.1:${node.port}${path}`, { headers: { host: `${host}:${node.port}` } });
    const inFlight: Promise<TestResponse>[] = [];
    for (let i = 0; i < 3; i++) {
      inFlight.push(get(`/api/hold/${i}`));
    }
    await backend.holding(3);
    const answered: TestResponse[] = [];
    for (let i = 0; i < 40; i++) {
      answered.push(await get(i % 2 === 0 ? '/' : `/missing/${i}`));
    }
    node.cli.child.kill('SIGTERM');
    await eventually(async () => refusesConnections(node.port), 20_000);
    backend.release();
    answered.push(...(await Promise.all(inFlight)));
    expect(await node.exited).toBe(0);
    const ids = answered.map((response) => response.header('x-ms-request-id'));
    expect(ids.every((id) => typeof id === 'string' && id !== '')).toBe(true);
    const logged = (await readFile(node.accessLog, 'utf8'))
      .split('\n')
      .filter((line) => line !== '')
      .map((line) => (JSON.parse(line) as { requestId: string }).requestId);
    expect([...logged].sort()).toEqual([...ids].sort());
  }, 90_000);

  it('does not wait for connections that never sent a request (a browser preconnect)', async () => {
    // A drain timeout longer than the test: waiting for these connections would fail it.
    const node = await startNode({ drainTimeoutSeconds: 600 });
    cleanups.push(
      async () => node.cli.child.kill('SIGKILL'),
      () => rm(node.dataDir, { recursive: true, force: true }),
    );
    const adminPort = Number(new URL(node.adminUrl).port);
    const preconnects = [node.port, adminPort].map((port) => {
      const socket = connect(port, '127.0.0.1');
      socket.on('error', () => undefined);
      return { socket, closed: new Promise((resolve) => socket.once('close', resolve)) };
    });
    await Promise.all(
      preconnects.map(({ socket }) => new Promise((resolve) => socket.once('connect', resolve))),
    );
    // Answered on other connections: by then both listeners have accepted the connections made before.
    expect((await send(`http://127.0.0.1:${node.port}/`)).status).toBe(404);
    expect((await send(`${node.adminUrl}/readyz`)).status).toBe(200);
    node.cli.child.kill('SIGTERM');
    expect(await node.exited).toBe(0);
    await Promise.all(preconnects.map(({ closed }) => closed));
    expect(node.cli.stderr()).not.toContain('were cut');
  }, 90_000);

  it('exits at once on a second SIGTERM', async () => {
    const backend = await startHoldingBackend();
    const node = await startNode();
    cleanups.push(
      backend.close,
      async () => node.cli.child.kill('SIGKILL'),
      () => rm(node.dataDir, { recursive: true, force: true }),
    );
    const host = await siteWithBackend(node, backend.url);
    const held = send(`http://127.0.0.1:${node.port}/api/hold`, {
      headers: { host: `${host}:${node.port}` },
    }).catch((error: unknown) => error);
    await backend.holding(1);
    node.cli.child.kill('SIGTERM');
    await eventually(async () => node.cli.stderr().includes('draining'), 20_000);
    node.cli.child.kill('SIGTERM');
    expect(await node.exited).toBe(1);
    expect(await held).toBeInstanceOf(Error);
  }, 90_000);
});

describe('portico serve on SIGUSR1 (what a logrotate set up for nginx sends)', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) {
      await cleanup().catch(() => undefined);
    }
  });

  for (const workers of [undefined, 2]) {
    it(`reopens the access log as on SIGHUP and never opens Node's debugger${workers === undefined ? '' : ` (--workers ${workers})`}`, async () => {
      const node = await startNode({ accessLog: true, ...(workers === undefined ? {} : { workers }) });
      cleanups.push(
        async () => node.cli.child.kill('SIGKILL'),
        () => rm(node.dataDir, { recursive: true, force: true }),
      );
      const get = () => send(`http://127.0.0.1:${node.port}/`, { headers: { host: 'nosite.portico.test' } });
      const logged = async (response: TestResponse) =>
        (await readFile(node.accessLog, 'utf8').catch(() => '')).includes(
          String(response.header('x-ms-request-id')),
        );
      if (workers !== undefined) {
        // The primary forwards the signal to its workers once they all serve.
        await eventually(async () => node.cli.stderr().includes('worker processes serving'), 30_000);
      }
      const before = await get();
      await eventually(() => logged(before));
      await rename(node.accessLog, `${node.accessLog}.1`);
      node.cli.child.kill('SIGUSR1');
      await eventually(async () => existsSync(node.accessLog));
      const after = await get();
      await eventually(() => logged(after));
      expect(node.cli.child.exitCode).toBeNull();
      // Node's default for SIGUSR1 would have opened its inspector and said so here.
      expect(node.cli.stderr()).not.toMatch(/Debugger listening|inspector/i);
    }, 90_000);
  }
});
