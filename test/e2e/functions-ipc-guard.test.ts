/**
 * A real `portico serve` process against a hostile tenant (decision 0099): a site's function writes to its
 * worker's IPC descriptor (fd 3) what Node's IPC code in the server would crash on or buffer without end.
 * Each time the server stays up, another site's functions keep answering, the offending worker is killed
 * (the log says it broke the protocol, without its bytes) and replaced, and the server's memory does not
 * grow by what was written.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Service } from '../../src/serve/index.js';
import { eventually, send } from '../helpers/app.js';
import { type RunningCli, startCli } from '../helpers/cli.js';
import { createDeployedSite, type TestService } from '../helpers/service.js';

const ATTACKER_API = fileURLToPath(new URL('../fixtures/serve/ipc-attacker', import.meta.url));
const PLAIN_API = fileURLToPath(new URL('../fixtures/serve/api', import.meta.url));
/** What the flood writes (128 MiB); the server may grow by no more than half of it. */
const FLOOD_BYTES = 128 * 1024 * 1024;

/** The running `portico serve` as the service helpers expect it (admin calls, requests by Host). */
function remoteService(cli: RunningCli, adminUrl: string, token: string): TestService {
  const port = Number(new URL(cli.url).port);
  const service = { adminUrl, url: `http://127.0.0.1:${port}`, port } as unknown as Service;
  return {
    service,
    dataDir: '',
    admin: (method, path, body) =>
      send(`${adminUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      }),
    get: (hostname, path) =>
      send(`http://127.0.0.1:${port}${path}`, { headers: { host: `${hostname}:${port}` } }),
    close: async () => {},
  };
}

/** Resident memory of `pid` in bytes (Linux). */
async function residentBytes(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? Number.NaN) * 1024;
}

describe('portico serve: a tenant writing to its worker IPC channel', () => {
  let dataDir: string;
  let cli: RunningCli;
  let t: TestService;
  let attacker: string;
  let bystander: string;

  /** Which of the attacker's workers answers (an id it draws at start), or undefined while none does. */
  const workerId = async (): Promise<string | undefined> => {
    const answer = await t.get(attacker, '/api/worker').catch(() => undefined);
    return answer?.status === 200 ? answer.json<{ worker: string }>().worker : undefined;
  };

  /** Runs `kind`, then waits for the attacker's replacement worker. */
  const attack = async (kind: string): Promise<void> => {
    const before = await workerId();
    expect(before).toBeTypeOf('string');
    const started = await t.get(attacker, `/api/attack/${kind}`);
    expect(started.status, started.text).toBe(200);
    await eventually(async () => {
      const now = await workerId();
      return now !== undefined && now !== before;
    }, 30_000).catch((error: Error) => {
      throw new Error(`${error.message}; the service said:\n${cli.stdout()}${cli.stderr()}`);
    });
  };

  const expectServing = async (): Promise<void> => {
    expect(cli.child.exitCode).toBeNull();
    const other = await t.get(bystander, '/api/setting/X');
    expect(other.status, other.text).toBe(200);
    expect((await t.get(bystander, '/')).text).toContain('bystander');
  };

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'portico-ipc-guard-'));
    cli = await startCli(
      ['serve', '--data', dataDir, '--port', '0', '--admin-port', '0', '--domain', 'portico.test'],
      20_000,
    );
    await eventually(async () => /Management API at (http:\/\/\S+)/.test(cli.stdout()));
    const adminUrl = /Management API at (http:\/\/\S+)/.exec(cli.stdout())?.[1] ?? '';
    const token = (await readFile(join(dataDir, 'admin-token'), 'utf8')).trim();
    t = remoteService(cli, adminUrl, token);
    attacker = await createDeployedSite(t, 'attacker', {
      files: { 'index.html': 'attacker' },
      apiDir: ATTACKER_API,
    });
    bystander = await createDeployedSite(t, 'bystander', {
      files: { 'index.html': 'bystander' },
      apiDir: PLAIN_API,
    });
    await expectServing();
  }, 120_000);
  afterAll(async () => {
    await cli?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it("takes process.send away from the app's code before it loads", async () => {
    const answer = await t.get(attacker, '/api/worker');
    expect(answer.json<{ send: string }>().send).toBe('undefined');
  });

  it('survives a NODE_HANDLE_ACK with no handle in flight, and replaces the worker', async () => {
    await attack('ack');
    await expectServing();
    expect(cli.stdout() + cli.stderr()).toMatch(
      /broke the IPC protocol \(it sent an unexpected Node IPC command\) and was killed; restarting/,
    );
  }, 60_000);

  it('survives a line that is not JSON, and does not echo it', async () => {
    await attack('garbage');
    await expectServing();
    const log = cli.stdout() + cli.stderr();
    expect(log).toMatch(/broke the IPC protocol \(it sent a message that is not JSON\) and was killed/);
    expect(log).not.toContain('not json');
  }, 60_000);

  it('survives a line with no end, without buffering it', async () => {
    const pid = cli.child.pid ?? 0;
    const before = await residentBytes(pid);
    await attack('flood');
    await expectServing();
    expect(await residentBytes(pid)).toBeLessThan(before + FLOOD_BYTES / 2);
    expect(cli.stdout() + cli.stderr()).toMatch(
      /broke the IPC protocol \(it sent a message over the size limit\) and was killed/,
    );
  }, 60_000);
});
