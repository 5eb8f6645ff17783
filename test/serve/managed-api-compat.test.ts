/**
 * `portico serve` with unmodified v4 apps that hold what Static Web Apps does not run: the deploy's answer
 * and the server's log carry the worker's warnings (a timer, a queue output, a route starting with
 * `admin`), a function Azure puts in error alone leaves the others serving, and a client that leaves a
 * streamed response cancels it in the worker.
 */
import { cp, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/shared/logger.js';
import { eventually, writeApp } from '../helpers/app.js';
import {
  createDeployedSite,
  deployFolders,
  removeData,
  request,
  SITES_PATH,
  startTestService,
  type TestService,
} from '../helpers/service.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/', import.meta.url));
const SCRATCH = fileURLToPath(new URL('../.tmp/', import.meta.url));

describe('portico serve: managed APIs Static Web Apps would not fully run', () => {
  let t: TestService;
  let apiDir: string;
  let streamDir: string;
  const logs: string[] = [];

  beforeAll(async () => {
    await mkdir(SCRATCH, { recursive: true });
    apiDir = join(SCRATCH, `serve-compat-${process.pid}`);
    await cp(join(FIXTURES, 'serve', 'api'), apiDir, { recursive: true });
    await writeFile(
      join(apiDir, 'src', 'functions', 'extras.js'),
      [
        "const { app } = require('@azure/functions');",
        "app.get('adminStats', { handler: async () => ({ body: 'stats' }) });",
        "app.timer('nightly', { schedule: '0 0 3 * * *', handler: async () => {} });",
        "app.http('get users', { handler: async () => ({ body: 'users' }) });",
        '',
      ].join('\n'),
    );
    streamDir = join(SCRATCH, `serve-compat-stream-${process.pid}`);
    await cp(join(FIXTURES, 'functions', 'v4-stream'), streamDir, { recursive: true });
    t = await startTestService({
      logger: createLogger({ level: 'debug', write: (line) => logs.push(line) }),
    });
  }, 60_000);
  afterAll(async () => {
    await t.close();
    await removeData(t.dataDir);
    await rm(apiDir, { recursive: true, force: true });
    await rm(streamDir, { recursive: true, force: true });
  });

  it('tells the deploy, and logs once, what the API holds that does not run; the rest serves', async () => {
    const created = await t.admin('PUT', `${SITES_PATH}/extras`, { sku: { name: 'Standard' } });
    const { apiKey, defaultHostname } = created.json<{
      properties: { apiKey: string; defaultHostname: string };
    }>().properties;
    const app = await writeApp({ 'index.html': 'home' });
    const deployed = await deployFolders(t.service, apiKey, app, { apiDir });
    expect(deployed.status, deployed.text).toBe(200);
    const warnings = deployed.json<{ properties: { apiWarnings?: string[] } }>().properties.apiWarnings ?? [];
    expect(warnings.join('\n')).toContain('these functions are not started: nightly (timerTrigger)');
    expect(warnings.join('\n')).toMatch(/Function 'adminStats': .*starts with 'admin'/);
    expect(warnings.join('\n')).toContain('"get users" is not a valid function name');
    expect(logs.filter((line) => line.includes('nightly (timerTrigger)'))).toHaveLength(1);
    // Kept in the deployment's stored log as the CLI prints them, for the deployment lists and the portal.
    const listed = await t.admin('GET', `${SITES_PATH}/extras/builds/default/deployments`);
    const [latest] = listed.json<{ value: { name: string; properties: { log: string | null } }[] }>().value;
    expect(latest?.name).toBe(deployed.json<{ name: string }>().name);
    const stored = (latest?.properties.log ?? '')
      .split('\n')
      .filter((line) => line.startsWith('warning: API: '));
    expect(stored).toHaveLength(warnings.length);
    expect(stored.join('\n')).toContain('"get users" is not a valid function name');
    expect(stored.join('\n')).toContain('nightly (timerTrigger)');
    expect((await t.get(defaultHostname, '/api/setting/X')).status).toBe(200);
    expect((await t.get(defaultHostname, '/api/adminStats')).status).toBe(404);
  }, 60_000);

  it('cancels a streamed response in the worker when the client goes away', async () => {
    const host = await createDeployedSite(t, 'streams', { files: { 'index.html': 'x' }, apiDir: streamDir });
    const url = `${t.service.url}/api/endless`;
    const response = await request(url, { headers: { host: `${host}:${t.service.port}` } });
    expect(response.statusCode).toBe(200);
    await response.body[Symbol.asyncIterator]().next();
    response.body.destroy();
    await eventually(async () => (await t.get(host, '/api/pulls')).json<{ cancels: number }>().cancels === 1);
  }, 60_000);
});
