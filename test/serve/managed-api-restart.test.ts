/**
 * `portico serve`: a managed-functions worker that crashes is replaced while the requests sent right
 * after wait for it, and public error bodies name no internal address (issue 13, items 5.5 and 5.6).
 *
 * @see issue 13
 */
import { cp, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDeployedSite, removeData, startTestService, type TestService } from '../helpers/service.js';

const API_FIXTURE = fileURLToPath(new URL('../fixtures/serve/api', import.meta.url));
const SCRATCH = fileURLToPath(new URL('../.tmp/', import.meta.url));
const AFTER_CRASH = 6;

describe('portico serve: a crashing managed API', () => {
  let t: TestService;
  let apiDir: string;
  let host: string;

  beforeAll(async () => {
    apiDir = join(SCRATCH, `serve-restart-${process.pid}`);
    await mkdir(SCRATCH, { recursive: true });
    await cp(API_FIXTURE, apiDir, { recursive: true });
    await writeFile(
      join(apiDir, 'src', 'functions', 'crash.js'),
      "const { app } = require('@azure/functions');\napp.get('crash', async () => { setImmediate(() => process.exit(7)); await new Promise(() => {}); });\n",
    );
    t = await startTestService();
    host = await createDeployedSite(t, 'crashy', { files: { 'index.html': 'home' }, apiDir });
  }, 60_000);
  afterAll(async () => {
    await t.close();
    await removeData(t.dataDir);
    await rm(apiDir, { recursive: true, force: true });
  });

  it('answers the requests sent right after a crash once the new worker is ready', async () => {
    expect((await t.get(host, '/api/setting/X')).status).toBe(200);
    const crashed = await t.get(host, '/api/crash');
    expect(crashed.status).toBe(502);
    expect(crashed.text).not.toMatch(/127\.0\.0\.1|:\d{4,5}\b/);
    // Worded for serve, where no edit restarts a deployed API.
    expect(crashed.text).toContain('a function called process.exit');
    expect(crashed.text).not.toContain('edit');
    const after = await Promise.all(Array.from({ length: AFTER_CRASH }, () => t.get(host, '/api/setting/X')));
    expect(after.map((res) => res.status)).toEqual(Array(AFTER_CRASH).fill(200));
  }, 60_000);
});
