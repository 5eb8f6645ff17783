/**
 * A hostile tenant in `portico serve`: a site deployed with its own deployment token tries every way out
 * of the functions sandbox (the server's files, environment and processes, another site's folder, writes
 * outside its temp folder, child processes, a server on the host's loopback), and each attempt fails
 * while its ordinary functions keep working, and reach the network beyond the host's loopback. Run with the machine's strongest sandbox and with the Node permission model alone, on SQLite
 * and on PostgreSQL + Redis (and, as root, with a uid per site alone); `--sandbox none` shows the same probes do reach everything without it.
 * @see issue 13, items 1 to 3
 */
import { accessSync, constants, existsSync } from 'node:fs';
import { readdir, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { networkInterfaces } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import type { SandboxChoice } from '../../src/functions-host/index.js';
import { untraversable } from '../../src/functions-host/sandbox/user.js';
import { defaultWorkerPath } from '../../src/functions-host/sandbox/worker-files.js';
import { createLogger } from '../../src/shared/logger.js';
import { createPostgresDatabase, hasPostgres, testRedisUrl } from '../helpers/databases.js';
import { listeningTcpPorts } from '../helpers/listening.js';
import { createDeployedSite, removeData, startTestService } from '../helpers/service.js';

const HOSTILE_API = fileURLToPath(new URL('../fixtures/hostile/api', import.meta.url));
const VICTIM_API = fileURLToPath(new URL('../fixtures/serve/api', import.meta.url));
const POSTGRES_URL = process.env.PORTICO_TEST_DATABASE_URL ?? '';
const REDIS_URL = testRedisUrl();
/** slirp4netns is here: `auto` and `bubblewrap` give the workers a private network (decision 0071). */
const HAS_SLIRP4NETNS = (process.env.PATH ?? '').split(delimiter).some((dir) => {
  try {
    accessSync(join(dir, 'slirp4netns'), constants.X_OK);
    return true;
  } catch {
    return false;
  }
});
/** An IPv4 address of this machine that is not loopback: how a private network's egress is shown. */
const OUTSIDE = Object.values(networkInterfaces())
  .flat()
  .find((address) => address?.family === 'IPv4' && !address.internal)?.address;
/** Two sites created and deployed, each API's dependencies installed by the server (npm, on a busy box). */
const DEPLOY_PATIENCE_MS = 180_000;

interface Attempt {
  ok: boolean;
  code?: string;
  value?: string | null;
}

interface Storage {
  readonly name: string;
  readonly postgres: boolean;
}

const SQLITE: Storage = { name: 'SQLite', postgres: false };
const POSTGRES: Storage = { name: 'PostgreSQL + Redis', postgres: true };

/** A deployed pair of sites (the tenant and its victim) on one service, on a fresh database. */
async function startTenant(storage: Storage, sandbox: SandboxChoice, functionsUser?: string) {
  const lines: string[] = [];
  const database = storage.postgres ? await createPostgresDatabase(POSTGRES_URL) : undefined;
  const t = await startTestService({
    sandbox,
    ...(functionsUser === undefined ? {} : { functionsUser }),
    logger: createLogger({ write: (line) => lines.push(line) }),
    ...(database?.location.dialect === 'postgres'
      ? { databaseUrl: database.location.url, redisUrl: REDIS_URL }
      : {}),
  });
  // The secrets a tenant would want, where `portico serve` keeps them (the admin token came from the
  // environment here, so the file is written for the probe).
  await writeFile(join(t.dataDir, 'admin-token'), 'admin-token-secret\n', { mode: 0o600 });
  if (!existsSync(join(t.dataDir, 'portico.db'))) {
    await writeFile(join(t.dataDir, 'portico.db'), 'database', { mode: 0o600 });
  }
  const files = { 'index.html': '<h1>site</h1>' };
  await createDeployedSite(t, 'victim', { files, apiDir: VICTIM_API });
  const host = await createDeployedSite(t, 'tenant', {
    files,
    apiDir: HOSTILE_API,
    settings: { GREETING: 'hello from the app settings' },
  });
  const close = async () => {
    await t.close();
    await removeData(t.dataDir);
    await database?.cleanup();
  };
  return { t, host, lines, close, victimApi: await findVictimApi(t.dataDir) };
}

/** The victim's deployed API folder on the server's disk (one per site and API content, decision 0047). */
async function findVictimApi(dataDir: string): Promise<string> {
  const root = join(dataDir, 'cache', 'api-contents');
  for (const name of await readdir(root)) {
    const api = join(root, name);
    if (existsSync(join(api, 'src', 'functions', 'setting.js'))) {
      return api;
    }
  }
  throw new Error('the victim site has no deployed API');
}

const matrix: { storage: Storage; sandbox: SandboxChoice; functionsUser?: string }[] = [
  { storage: SQLITE, sandbox: 'auto' },
  { storage: SQLITE, sandbox: 'node' },
  // As root, a uid per site without bubblewrap too (its app copied out of the private data folder), when
  // other users can reach Portico's files (a checkout under /root cannot be: start refuses, as it should).
  // bubblewrap with the server's own uid (a server not run as root; as root it drops every capability).
  ...(existsSync('/usr/bin/bwrap')
    ? [{ storage: SQLITE, sandbox: 'bubblewrap' as const, functionsUser: 'off' }]
    : []),
  ...(process.getuid?.() === 0 && (await untraversable(defaultWorkerPath())) === undefined
    ? [{ storage: SQLITE, sandbox: 'user' as const }]
    : []),
  ...(hasPostgres() && REDIS_URL !== undefined
    ? [
        { storage: POSTGRES, sandbox: 'auto' as const },
        { storage: POSTGRES, sandbox: 'node' as const },
      ]
    : []),
];

describe.each(matrix)(
  'a hostile tenant on $storage.name with --sandbox $sandbox',
  ({ storage, sandbox, functionsUser }) => {
    let tenant: Awaited<ReturnType<typeof startTenant>>;
    const marker = `portico-escape-${process.pid}-${sandbox}-${storage.postgres ? 'p' : 's'}`;

    beforeAll(async () => {
      tenant = await startTenant(storage, sandbox, functionsUser);
    }, DEPLOY_PATIENCE_MS);
    afterAll(async () => {
      await tenant?.close();
    });

    it('reports the mechanism it chose', () => {
      const line = tenant.t.service.sandbox.describe();
      expect(line).toContain('Node permission model');
      if (sandbox === 'node') {
        expect(line).toBe('Node permission model');
      } else if (sandbox === 'bubblewrap') {
        expect(line).toBe(
          HAS_SLIRP4NETNS
            ? 'bubblewrap (Linux namespaces) + private network (slirp4netns) + Node permission model'
            : 'bubblewrap (Linux namespaces) + Node permission model',
        );
      } else if (sandbox === 'user') {
        expect(line).toBe('a uid per site (1000000000+) + Node permission model');
      } else if (process.env.PORTICO_REQUIRE_BUBBLEWRAP === '1') {
        // CI runs as root with bubblewrap installed: auto must take both.
        expect(line).toContain('bubblewrap');
        expect(line).toContain(process.getuid?.() === 0 ? 'a uid per site' : 'Node');
        if (HAS_SLIRP4NETNS || process.env.PORTICO_REQUIRE_SLIRP4NETNS === '1') {
          expect(line).toContain('private network (slirp4netns)');
        }
      }
    });

    it('fails every escape attempt', async () => {
      const port = await listenEverywhere();
      const query = new URLSearchParams({
        dataDir: tenant.t.dataDir,
        otherSite: tenant.victimApi,
        serverPid: String(process.pid),
        marker,
        port: String(port),
        ...(OUTSIDE === undefined ? {} : { outsideHost: OUTSIDE }),
      });
      const response = await tenant.t.get(tenant.host, `/api/escape?${query}`);
      expect(response.status).toBe(200);
      const attempts = response.json<Record<string, Attempt>>();
      const { writeHostTmp, connectLoopback, connectOutside, ...refused } = attempts;
      for (const [name, attempt] of Object.entries(refused)) {
        expect({ name, ...attempt }).toMatchObject({ name, ok: false });
      }
      if (tenant.t.service.sandbox.profile.privateNetwork === undefined) {
        // The shared network (docs/security.md, "The network is shared"): what a private one prevents.
        expect(connectLoopback).toMatchObject({ ok: true, value: 'host loopback' });
      } else {
        expect(connectLoopback).toMatchObject({ ok: false, code: 'ECONNREFUSED' });
        // The same server through the machine's other address: egress works (none to show without one).
        expect(connectOutside).toMatchObject(
          OUTSIDE === undefined ? { ok: false, code: 'NOT_ASKED' } : { ok: true, value: 'host loopback' },
        );
      }
      // Under bubblewrap /tmp is the worker's own temp folder: the write may succeed, but never on the host.
      expect(writeHostTmp?.ok === false || sandbox !== 'node').toBe(true);
      expect(existsSync(join('/tmp', marker))).toBe(false);
      expect(existsSync(join(tenant.t.dataDir, marker))).toBe(false);
      expect(existsSync(join(tenant.victimApi, marker))).toBe(false);
    });

    it('opens no port of its own for an API: only the edge reaches the workers', async () => {
      // A loopback port of the victim's API would let the tenant's function call it directly, past the
      // edge's route rules and with a forged x-ms-client-principal.
      expect((await tenant.t.get(tenant.host, '/api/normal')).status).toBe(200);
      const { port, adminPort } = tenant.t.service;
      expect(await listeningTcpPorts()).toEqual([port, adminPort].sort((a, b) => a - b));
    });

    it('keeps the tenant’s own functions working: app settings, its files, its temp folder', async () => {
      const response = await tenant.t.get(tenant.host, '/api/normal');
      expect(response.status, response.text).toBe(200);
      const body = response.json<{
        greeting: string;
        runtime: string;
        scratch: string;
        tmpdir: string;
        home: string;
      }>();
      expect(body).toMatchObject({
        greeting: 'hello from the app settings',
        runtime: 'node',
        scratch: 'written in the temp folder',
        hostJson: { version: '2.0' },
      });
      expect(body.home).toBe(body.tmpdir);
      // Its own folder (bubblewrap shows it as /tmp), not the server's.
      expect(body.tmpdir).not.toBe(process.env.TMPDIR);
    });

    it('logs a refusal with a hint pointing to docs/security.md', async () => {
      const response = await tenant.t.get(
        tenant.host,
        `/api/forbidden?path=${encodeURIComponent('/etc/passwd')}`,
      );
      expect(response.status).toBe(500);
      const log = tenant.lines.join('\n');
      expect(log).toContain('ERR_ACCESS_DENIED');
      expect(log).toContain('docs/security.md');
      // The function's lines say whose they are first: a tenant cannot pass them off as another's.
      const refusal = tenant.lines.find((line) => line.includes('ERR_ACCESS_DENIED')) ?? '';
      expect(refusal).toMatch(/^\w+: api tenant\/production: /);
    });
  },
);

/**
 * A server of the host's on every IPv4 address (so on 127.0.0.1 too) until the test ends: what a
 * database with trust authentication on loopback would be. Its port.
 */
async function listenEverywhere(): Promise<number> {
  const server = createServer((socket) => socket.end('host loopback'));
  await new Promise<void>((resolve) => server.listen(0, '0.0.0.0', resolve));
  onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const address = server.address();
  return typeof address === 'object' && address !== null ? address.port : 0;
}

describe('the same probes without a sandbox (--sandbox none)', () => {
  let tenant: Awaited<ReturnType<typeof startTenant>>;

  beforeAll(async () => {
    tenant = await startTenant(SQLITE, 'none');
  }, DEPLOY_PATIENCE_MS);
  afterAll(async () => {
    await tenant?.close();
  });

  it('reach the server’s files and the other site, which is what the sandbox prevents', async () => {
    const query = new URLSearchParams({
      dataDir: tenant.t.dataDir,
      otherSite: tenant.victimApi,
      serverPid: String(process.pid),
      marker: `portico-none-${process.pid}`,
      port: String(await listenEverywhere()),
    });
    onTestFinished(() => rm(join('/tmp', `portico-none-${process.pid}`), { force: true }));
    const attempts = (await tenant.t.get(tenant.host, `/api/escape?${query}`)).json<
      Record<string, Attempt>
    >();
    expect(attempts.readAdminToken).toMatchObject({ ok: true, value: 'admin-token-secret\n' });
    expect(attempts.readOtherSite?.ok).toBe(true);
    expect(attempts.signalServer?.ok).toBe(true);
    expect(attempts.connectLoopback).toMatchObject({ ok: true, value: 'host loopback' });
    expect(tenant.t.service.sandbox.describe()).toContain('none');
  });
});
