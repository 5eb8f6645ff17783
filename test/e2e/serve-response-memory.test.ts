/**
 * `portico serve` is shared by every site: a managed function's large answer must not make it hold the
 * whole body, however slowly the client reads (decision 0103). A function answers 256 MiB; two clients
 * read the headers, stop reading for a while (a slow reader), then read everything; the serve process's
 * peak resident memory (VmHWM) may grow by much less than one body. Before the fix the body came to the
 * edge as one frame and sat there whole, once per client (growth above 512 MiB).
 *
 * @see QA report "function response bounds"
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Service } from '../../src/serve/index.js';
import { eventually, send, writeApp } from '../helpers/app.js';
import { type RunningCli, startCli } from '../helpers/cli.js';
import { memoryOf } from '../helpers/process-memory.js';
import { deployFolders, SITES_PATH } from '../helpers/service.js';

const MIB = 1024 * 1024;
const BODY_MIB = 256;
/** Generous: a bounded server holds a few MiB per response; an unbounded one a whole body per client. */
const GROWTH_LIMIT_MIB = 128;

const FUNCTION = `const { app } = require('@azure/functions');
app.get('big', async () => ({ body: Buffer.alloc(${BODY_MIB} * 1024 * 1024, 98) }));
app.get('small', async () => ({ body: 'small' }));
`;

/**
 * Asks for `path`, reads the head, stops reading until `resume` settles, then reads to the end; resolves
 * with the bytes of body received.
 */
function slowRead(port: number, host: string, path: string, resume: Promise<void>): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let received = 0;
    let headEnd = -1;
    let head = '';
    socket.on('error', reject);
    socket.write(`GET ${path} HTTP/1.1\r\nhost: ${host}\r\nconnection: close\r\n\r\n`);
    socket.on('data', (chunk: Buffer) => {
      if (headEnd < 0) {
        head += chunk.toString('latin1');
        headEnd = head.indexOf('\r\n\r\n');
        if (headEnd < 0) {
          return;
        }
        received = Buffer.byteLength(head, 'latin1') - headEnd - 4;
        socket.pause();
        void resume.then(() => socket.resume());
        return;
      }
      received += chunk.length;
    });
    socket.on('end', () => resolve(received));
  });
}

describe('portico serve: a managed function answering a large body', () => {
  let dataDir: string;
  let apiDir: string;
  let cli: RunningCli;
  let port: number;
  let host: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'portico-e2e-bounds-'));
    apiDir = await writeApp({
      'host.json': '{ "version": "2.0" }',
      'package.json': JSON.stringify({
        name: 'bounds',
        main: 'src/functions/*.js',
        dependencies: { '@azure/functions': '^4.16.5' },
      }),
      'src/functions/big.js': FUNCTION,
    });
    cli = await startCli(
      ['serve', '--data', dataDir, '--port', '0', '--admin-port', '0', '--domain', 'portico.test'],
      20_000,
    );
    await eventually(async () => /Management API at (http:\/\/\S+)/.test(cli.stdout()));
    const adminUrl = /Management API at (http:\/\/\S+)/.exec(cli.stdout())?.[1] ?? '';
    port = Number(new URL(cli.url).port);
    const token = (await readFile(join(dataDir, 'admin-token'), 'utf8')).trim();
    const created = await send(`${adminUrl}${SITES_PATH}/bounds`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ sku: { name: 'Standard' } }),
    });
    const { defaultHostname, apiKey } = created.json<{
      properties: { defaultHostname: string; apiKey: string };
    }>().properties;
    host = defaultHostname;
    const appDir = await writeApp({ 'index.html': 'home' });
    const deployed = await deployFolders({ adminUrl } as Service, apiKey, appDir, { apiDir });
    expect(deployed.status).toBe(200);
  }, 60_000);
  afterAll(async () => {
    await cli?.stop();
    await rm(dataDir, { recursive: true, force: true });
    await rm(apiDir, { recursive: true, force: true });
  });

  it('holds a bounded amount per response while clients read slowly', async () => {
    const pid = cli.child.pid as number;
    const small = await send(`http://127.0.0.1:${port}/api/small`, { headers: { host } });
    expect(small.text).toBe('small');
    const before = memoryOf(pid, 'VmRSS');
    let release = (): void => {};
    const resume = new Promise<void>((resolve) => {
      release = resolve;
    });
    const reads = [0, 1].map(() => slowRead(port, host, '/api/big', resume));
    // The clients stop reading after the head; the function has answered by then (its body is ready
    // before the head is sent). A little while of not reading, then both read to the end.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    release();
    expect(await Promise.all(reads)).toEqual([BODY_MIB * MIB, BODY_MIB * MIB]);
    const growth = memoryOf(pid, 'VmHWM') - before;
    expect(growth).toBeLessThan(GROWTH_LIMIT_MIB);
  }, 120_000);
});
