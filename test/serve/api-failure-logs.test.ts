/**
 * `portico serve`: the log lines of failed `/api` requests name the site and environment first (an
 * operator of many tenants learns whose request it was), and a worker killed because a function blocked
 * its event loop is logged as such, while the public 502 stays generic and names no limit or site.
 * Real service, real sandbox (the machine's strongest), a deployed API.
 */
import { cp, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/shared/logger.js';
import { createDeployedSite, removeData, startTestService, type TestService } from '../helpers/service.js';

const API_FIXTURE = fileURLToPath(new URL('../fixtures/serve/api', import.meta.url));
const SCRATCH = fileURLToPath(new URL('../.tmp/', import.meta.url));
/** Longer than the health checks take to kill a blocked worker (2 checks, 5 s apart, 2 s each). */
const API_TIMEOUT_SECONDS = 20;

const FUNCTIONS = `const { app } = require('@azure/functions');
app.get('wait', async () => { await new Promise(() => {}); });
app.get('spin', () => { for (;;) {} });
`;

describe('portico serve: log lines of failed /api requests', () => {
  let t: TestService;
  let apiDir: string;
  let host: string;
  const lines: string[] = [];

  beforeAll(async () => {
    apiDir = join(SCRATCH, `serve-failure-logs-${process.pid}`);
    await mkdir(SCRATCH, { recursive: true });
    await cp(API_FIXTURE, apiDir, { recursive: true });
    await writeFile(join(apiDir, 'src', 'functions', 'faults.js'), FUNCTIONS);
    t = await startTestService({
      logger: createLogger({ write: (line) => lines.push(line) }),
      extra: { apiTimeoutSeconds: API_TIMEOUT_SECONDS },
    });
    host = await createDeployedSite(t, 'attacker', { files: { 'index.html': 'home' }, apiDir });
  }, 120_000);
  afterAll(async () => {
    await t?.close();
    await removeData(t.dataDir);
    await rm(apiDir, { recursive: true, force: true });
  });

  it('name the site and environment before a timeout, and only in the log', async () => {
    const response = await t.get(host, '/api/wait');
    expect(response.status).toBe(500);
    expect(response.text).toBe('Backend call failure');
    expect(lines).toContain(
      `warning: api attacker/production: /api GET /api/wait: The /api backend did not answer within ${API_TIMEOUT_SECONDS * 1000} ms.`,
    );
  }, 60_000);

  it('give the real cause of a worker killed for blocking its event loop; the public 502 stays generic', async () => {
    const response = await t.get(host, '/api/spin');
    expect(response.status).toBe(502);
    expect(response.text).toContain('blocked the worker until it was stopped');
    expect(response.text).not.toMatch(/health|attacker|socket/);
    const line = lines.find((text) => text.includes('/api GET /api/spin:')) ?? '';
    expect(line).toMatch(/^warning: api attacker\/production: \/api GET \/api\/spin: /);
    expect(line).toContain(
      'the API worker was killed after failing 2 health checks in a row: a function blocked its event loop',
    );
    // The next request is served by the worker that replaced it.
    expect((await t.get(host, '/api/setting/X')).status).toBe(200);
  }, 60_000);
});
