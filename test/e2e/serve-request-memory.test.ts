/**
 * `portico serve` is shared by every site: the request bodies a tenant sends to its own managed functions
 * must not make it hold them whole (decision 0112). One site's function is busy (it blocks its worker for
 * a while per call, so the worker reads slowly) and answers the body's length; many clients send it large
 * bodies at once, under the 30 MiB limit. The serve process's peak resident memory (VmHWM) may grow by much
 * less than one body per client, every client gets its length, and another site keeps answering, its page
 * and its own API alike. Before the fix the edge read every body whole and joined it (growth above 1 GiB).
 *
 * @see QA report "request body bounds"
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Service } from '../../src/serve/index.js';
import { eventually, send, writeApp } from '../helpers/app.js';
import { type RunningCli, startCli } from '../helpers/cli.js';
import { memoryOf } from '../helpers/process-memory.js';
import { deployFolders, SITES_PATH } from '../helpers/service.js';

const MIB = 1024 * 1024;
const BODY_BYTES = 29 * MIB;
const CLIENTS = 20;
/** Generous: a bounded server holds a few MiB of request bodies; an unbounded one every body, twice. */
const GROWTH_LIMIT_MIB = 160;

/** Blocks its worker for a while before it reads the body: a worker that reads its frames slowly. */
const FLOOD = `const { app } = require('@azure/functions');
app.post('busy', async (request) => {
  const until = Date.now() + 150;
  while (Date.now() < until) {}
  const body = await request.arrayBuffer();
  return { body: String(body.byteLength) };
});
`;

const BYSTANDER = `const { app } = require('@azure/functions');
app.post('echo', async (request) => ({ body: await request.text() }));
`;

/** POSTs `body` to `path` of `host` and resolves with the status and the answer's text. */
function post(port: number, host: string, path: string, body: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ port, host: '127.0.0.1', path, method: 'POST', headers: { host } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
      });
      res.on('end', () => resolve(`${res.statusCode} ${text}`));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function createSite(adminUrl: string, token: string, name: string): Promise<[string, string]> {
  const created = await send(`${adminUrl}${SITES_PATH}/${name}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ sku: { name: 'Standard' } }),
  });
  const { defaultHostname, apiKey } = created.json<{
    properties: { defaultHostname: string; apiKey: string };
  }>().properties;
  return [defaultHostname, apiKey];
}

async function writeApi(name: string, source: string): Promise<string> {
  return writeApp({
    'host.json': '{ "version": "2.0" }',
    'package.json': JSON.stringify({
      name,
      main: 'src/functions/*.js',
      dependencies: { '@azure/functions': '^4.16.5' },
    }),
    'src/functions/index.js': source,
  });
}

describe('portico serve: many large request bodies to a busy managed function', () => {
  let dataDir: string;
  const folders: string[] = [];
  let cli: RunningCli;
  let port: number;
  let flood: string;
  let bystander: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'portico-e2e-request-bounds-'));
    cli = await startCli(
      ['serve', '--data', dataDir, '--port', '0', '--admin-port', '0', '--domain', 'portico.test'],
      20_000,
    );
    await eventually(async () => /Management API at (http:\/\/\S+)/.test(cli.stdout()));
    const adminUrl = /Management API at (http:\/\/\S+)/.exec(cli.stdout())?.[1] ?? '';
    port = Number(new URL(cli.url).port);
    const token = (await readFile(join(dataDir, 'admin-token'), 'utf8')).trim();
    for (const [name, api, page] of [
      ['flood', FLOOD, 'flood'],
      ['bystander', BYSTANDER, 'home'],
    ] as const) {
      const [hostname, apiKey] = await createSite(adminUrl, token, name);
      const apiDir = await writeApi(name, api);
      const appDir = await writeApp({ 'index.html': page });
      folders.push(apiDir, appDir);
      const deployed = await deployFolders({ adminUrl } as Service, apiKey, appDir, { apiDir });
      expect(deployed.status).toBe(200);
      if (name === 'flood') {
        flood = hostname;
      } else {
        bystander = hostname;
      }
    }
  }, 90_000);
  afterAll(async () => {
    await cli?.stop();
    for (const folder of [dataDir, ...folders]) {
      await rm(folder, { recursive: true, force: true });
    }
  });

  it('holds a bounded amount of the bodies while the other site keeps answering', async () => {
    const pid = cli.child.pid as number;
    // Both workers started, and the server warmed up, before the baseline.
    expect(await post(port, flood, '/api/busy', Buffer.from('warm'))).toBe('200 4');
    expect(await post(port, bystander, '/api/echo', Buffer.from('warm'))).toBe('200 warm');
    const before = memoryOf(pid, 'VmRSS');
    const body = Buffer.alloc(BODY_BYTES, 97);
    let flooding = true;
    const answers = Promise.all(
      Array.from({ length: CLIENTS }, () => post(port, flood, '/api/busy', body)),
    ).finally(() => {
      flooding = false;
    });
    // The other site answers while the flood lasts: its page and its own API.
    const seen: string[] = [];
    do {
      const page = await send(`http://127.0.0.1:${port}/`, { headers: { host: bystander } });
      seen.push(page.text, await post(port, bystander, '/api/echo', Buffer.from('still here')));
    } while (flooding);
    expect(await answers).toEqual(Array.from({ length: CLIENTS }, () => `200 ${BODY_BYTES}`));
    expect(new Set(seen)).toEqual(new Set(['home', '200 still here']));
    const growth = memoryOf(pid, 'VmHWM') - before;
    expect(growth).toBeLessThan(GROWTH_LIMIT_MIB);
  }, 180_000);
});
