/**
 * A worker with its own network (bubblewrap + slirp4netns, decision 0071): it cannot reach the host's
 * loopback, directly or through slirp's gateway, yet reaches the machine's other addresses; its resolver
 * is slirp's; slirp4netns goes with the worker; and one that cannot start fails the worker's start.
 * Run `npm run build` first (the real worker runs).
 */
import { accessSync, constants, readdirSync, readFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import {
  closeHosts,
  FAST_TIMINGS,
  isAlive,
  openHost,
  recordingLogger,
  writeApiDir,
} from '../../../test/helpers/functions-host.js';
import { createSandbox } from './launch.js';
import { slirp4netnsArgs } from './private-network.js';
import { resolveSandbox } from './select.js';
import { defaultWorkerPath } from './worker-files.js';

afterEach(closeHosts);

const BWRAP = '/usr/bin/bwrap';
const SLIRP4NETNS = findOnPath('slirp4netns');
const AVAILABLE = isExecutable(BWRAP) && SLIRP4NETNS !== undefined;
if (!AVAILABLE && process.env.PORTICO_REQUIRE_SLIRP4NETNS === '1') {
  throw new Error('PORTICO_REQUIRE_SLIRP4NETNS=1, but bubblewrap or slirp4netns is missing');
}
/** An IPv4 address of this machine that is not loopback: the egress probe's target. */
const OUTSIDE = Object.values(networkInterfaces())
  .flat()
  .find((address) => address?.family === 'IPv4' && !address.internal)?.address;

/** Connects to `host:port` and reports what it read, or the error's code. */
const HANDLER = `
const dns = require('node:dns');
const net = require('node:net');
module.exports = async function (context, req) {
  const reach = (host) => new Promise((resolve) => {
    const socket = net.connect(Number(req.query.port), host);
    socket.on('error', (error) => resolve({ ok: false, code: error.code }));
    socket.on('data', (data) => { socket.destroy(); resolve({ ok: true, value: String(data) }); });
  });
  const hosts = JSON.parse(req.query.hosts);
  const results = {};
  for (const host of hosts) results[host] = await reach(host);
  context.res = { body: JSON.stringify({ results, servers: dns.getServers() }) };
};`;

describe('slirp4netns arguments', () => {
  it('configures the namespace, turns off the way to the host’s loopback, and names its pipes', () => {
    expect(slirp4netnsArgs(1234)).toEqual([
      '--configure',
      '--mtu=65520',
      '--disable-host-loopback',
      '--enable-sandbox',
      '--enable-seccomp',
      '--ready-fd',
      '3',
      '--exit-fd',
      '4',
      '1234',
      'tap0',
    ]);
  });
});

describe.skipIf(!isExecutable(BWRAP))('choosing the network at start', () => {
  it('keeps the host’s network under auto without slirp4netns, saying how to get a private one', async () => {
    const onlyBwrap = await mkdtemp(join(tmpdir(), 'portico-path-'));
    onTestFinished(() => rm(onlyBwrap, { recursive: true, force: true }));
    await symlink(BWRAP, join(onlyBwrap, 'bwrap'));
    const request = { choice: 'auto', functionsUser: 'off', searchPath: onlyBwrap } as const;
    const sandbox = await resolveSandbox(request);
    expect(sandbox.describe()).toBe('bubblewrap (Linux namespaces) + Node permission model');
    expect(sandbox.notice).toMatch(
      /127\.0\.0\.1 included; install slirp4netns \(apt-get install slirp4netns\)/,
    );
    expect((await resolveSandbox({ ...request, network: 'shared' })).notice).toBeUndefined();
    const error = await resolveSandbox({ ...request, network: 'private' }).catch((caught: unknown) => caught);
    expect(error).toMatchObject({
      code: 'FUNCTIONS_SANDBOX_UNAVAILABLE',
      message: expect.stringMatching(/slirp4netns is not installed/),
    });
  });
});

describe.skipIf(!AVAILABLE)('a worker with a private network', () => {
  it('is refused by the host’s loopback, directly and through slirp, and resolves names through slirp', async () => {
    const loopback = await listen('127.0.0.1');
    const { probe, host } = await startProbe();
    const inside = await probe(['127.0.0.1', '10.0.2.2'], loopback.port);
    expect(inside.results).toEqual({
      '127.0.0.1': { ok: false, code: 'ECONNREFUSED' },
      '10.0.2.2': { ok: false, code: 'ENETUNREACH' },
    });
    expect(inside.servers).toEqual(['10.0.2.3']);
    expect(childrenNamed('slirp4netns')).toHaveLength(1);
    await host.close();
    expect(childrenNamed('slirp4netns')).toEqual([]);
  });

  // Egress without depending on the internet: the same server, on this machine's address instead.
  it.skipIf(OUTSIDE === undefined)(
    'reaches the machine’s own non-loopback address (skipped when it has no non-loopback IPv4)',
    async () => {
      const outside = await listen(OUTSIDE ?? '');
      const { probe } = await startProbe();
      expect((await probe([outside.host], outside.port)).results).toEqual({
        [outside.host]: { ok: true, value: 'reached' },
      });
    },
  );

  it('fails the worker’s start, saying why, when slirp4netns cannot start, and leaves no sandbox behind', async () => {
    const working = await resolveSandbox({ choice: 'bubblewrap', functionsUser: 'off', network: 'shared' });
    const sandbox = createSandbox({ ...working.profile, privateNetwork: { slirp4netns: '/bin/false' } });
    const apiDir = await probeApi();
    const host = openHost({ apiDir, workerPath: defaultWorkerPath(), logger: recordingLogger(), sandbox });
    const error = await host.start().catch((caught: unknown) => caught);
    expect(error).toMatchObject({
      code: 'FUNCTIONS_LOAD_FAILED',
      message: expect.stringMatching(/private network: \/bin\/false ended \(code 1\) before it was ready/),
    });
    await host.close();
    // The sandbox it started was killed and reaped (what runs inside dies with it: --die-with-parent).
    expect([...childrenNamed('bwrap'), ...childrenNamed('slirp4netns')]).toEqual([]);
  });

  it('fails the worker’s start, naming slirp4netns, when it never says it is ready, and kills it', async () => {
    // A slirp4netns that hangs (it neither writes to its ready pipe nor exits when its exit pipe closes).
    const dir = await mkdtemp(join(tmpdir(), 'portico-slirp-'));
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
    const hanging = join(dir, 'slirp4netns');
    await writeFile(hanging, '#!/bin/sh\nexec sleep 1000\n');
    await chmod(hanging, 0o755);
    const working = await resolveSandbox({ choice: 'bubblewrap', functionsUser: 'off', network: 'shared' });
    const sandbox = createSandbox({ ...working.profile, privateNetwork: { slirp4netns: hanging } });
    // It never gets ready, however long the start may wait: a short wait keeps the test short.
    const timings = { ...FAST_TIMINGS, readyTimeoutMs: 5_000 };
    const host = openHost({ apiDir: await probeApi(), workerPath: defaultWorkerPath(), sandbox, timings });
    const error = await host.start().catch((caught: unknown) => caught);
    expect(error).toMatchObject({
      code: 'FUNCTIONS_LOAD_FAILED',
      message: expect.stringContaining(`private network: ${hanging} did not say it was ready within 5 s`),
    });
    await host.close();
    expect([...childrenNamed('bwrap'), ...childrenNamed('sleep')]).toEqual([]);
  });

  it.skipIf(OUTSIDE === undefined)(
    'replaces the worker, with a network of its own, when its slirp4netns dies',
    async () => {
      const outside = await listen(OUTSIDE ?? '');
      const { probe, logger } = await startProbe();
      const [slirp] = childrenNamed('slirp4netns');
      process.kill(slirp ?? 0, 'SIGKILL');
      await until(() => logger.text().includes('API ready again'));
      expect(logger.text()).toMatch(
        /warn: functions: the private network of the API worker went \(slirp4netns ended: SIGKILL\); stopping the worker/,
      );
      expect(childrenNamed('slirp4netns')).not.toContain(slirp);
      expect((await probe([outside.host], outside.port)).results).toEqual({
        [outside.host]: { ok: true, value: 'reached' },
      });
    },
  );
});

/** A host over the probe app with a private network, and a call of its probe. */
async function startProbe() {
  const sandbox = await resolveSandbox({ choice: 'bubblewrap', functionsUser: 'off', network: 'private' });
  expect(sandbox.describe()).toContain('private network (slirp4netns)');
  const apiDir = await probeApi();
  const logger = recordingLogger();
  const host = openHost({ apiDir, workerPath: defaultWorkerPath(), logger, sandbox });
  const { url } = await host.start();
  const probe = async (hosts: string[], port: number) => {
    const query = new URLSearchParams({ hosts: JSON.stringify(hosts), port: String(port) });
    const response = await fetch(`${url}/api/probe?${query}`);
    expect(response.status).toBe(200);
    return (await response.json()) as { results: Record<string, unknown>; servers: string[] };
  };
  return { host, probe, logger };
}

/** Resolves once `condition()` holds (the test's own time limit ends a wait that never does). */
async function until(condition: () => boolean): Promise<void> {
  while (!condition()) {
    await sleep(20);
  }
}

/** A v3 app with the one function `probe`. */
async function probeApi(): Promise<string> {
  const apiDir = await writeApiDir();
  await mkdir(join(apiDir, 'probe'));
  await writeFile(
    join(apiDir, 'probe', 'function.json'),
    JSON.stringify({
      bindings: [
        { type: 'httpTrigger', direction: 'in', name: 'req', authLevel: 'anonymous' },
        { type: 'http', direction: 'out', name: 'res' },
      ],
    }),
  );
  await writeFile(join(apiDir, 'probe', 'index.js'), HANDLER);
  return apiDir;
}

/** A TCP server on `host` answering `reached` to every connection; closed after the test. */
async function listen(host: string): Promise<{ host: string; port: number }> {
  const server: Server = createServer((socket) => socket.end('reached'));
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const address = server.address();
  return { host, port: typeof address === 'object' && address !== null ? address.port : 0 };
}

/** The running processes called `name` this test process started (their parent is this process). */
function childrenNamed(name: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc').filter((found) => /^\d+$/.test(found))) {
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (parent === process.pid && stat.includes(`(${name})`) && isAlive(Number(entry))) {
        pids.push(Number(entry));
      }
    } catch {
      // Gone meanwhile.
    }
  }
  return pids;
}

function findOnPath(name: string): string | undefined {
  const dirs = (process.env.PATH ?? '/usr/bin:/bin').split(':').filter(Boolean);
  return dirs.map((dir) => join(dir, name)).find(isExecutable);
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
