/**
 * `portico start --api`: while a crashed worker restarts, `/api` requests wait for the new worker instead
 * of answering 502; a worker that cannot come back still answers at once with what is wrong, and no
 * public error body names the worker's address (issue 13, items 5.5 and 5.6).
 *
 * @see issue 13
 */
import { cp, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startApp, type TestApp } from '../helpers/app.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/functions/', import.meta.url));
const SCRATCH = fileURLToPath(new URL('../.tmp/', import.meta.url));
const AFTER_CRASH = 6;

describe('a worker that crashes', () => {
  let app: TestApp;
  let apiDir: string;
  beforeAll(async () => {
    // Inside the repository, so that @azure/functions resolves from its node_modules.
    apiDir = join(SCRATCH, `worker-restart-${process.pid}`);
    await mkdir(SCRATCH, { recursive: true });
    await cp(join(FIXTURES, 'v4-cjs'), apiDir, { recursive: true });
    await writeFile(
      join(apiDir, 'src', 'functions', 'crash.js'),
      "const { app } = require('@azure/functions');\napp.get('crash', async () => { setImmediate(() => process.exit(7)); await new Promise(() => {}); });\n",
    );
    // The API timeout bounds the wait; far longer than any restart, so no request may run into it.
    app = await startApp({ 'index.html': 'home' }, { apiDir, apiTimeoutSeconds: 120 });
  });
  afterAll(async () => {
    await app.close();
    await rm(apiDir, { recursive: true, force: true });
  });

  it('holds the requests sent right after the crash and answers them once the new worker is ready', async () => {
    for (let round = 0; round < 2; round += 1) {
      const crashed = await app.fetch('/api/crash');
      expect(crashed.status).toBe(502);
      expect(crashed.text).not.toContain('127.0.0.1');
      const after = await Promise.all(
        Array.from({ length: AFTER_CRASH }, (_, i) => app.fetch(`/api/hello?name=r${round}n${i}`)),
      );
      expect(after.map((res) => res.status)).toEqual(Array(AFTER_CRASH).fill(200));
      expect(after[0]?.json()).toEqual({ hello: `r${round}n0` });
    }
  });

  it('answers at once, without an address, while the changed app cannot load', async () => {
    const broken = join(apiDir, 'src', 'functions', 'broken.js');
    await writeFile(broken, 'module.exports = {;\n');
    await eventually(async () => (await app.fetch('/api/hello')).status === 502, 15_000);
    const answer = await app.fetch('/api/hello');
    expect(answer.json()).toMatchObject({
      statusCode: 502,
      code: 'PROXY_BACKEND_UNAVAILABLE',
      message: expect.stringContaining('The API is not running: the API app has a syntax error'),
    });
    expect(answer.text).not.toMatch(/127\.0\.0\.1|localhost|:\d{4,5}/);
    await rm(broken);
    await eventually(async () => (await app.fetch('/api/hello')).status === 200, 15_000);
  });
});
