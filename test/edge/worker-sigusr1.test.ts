/**
 * A functions worker keeps Node's inspector closed on SIGUSR1: an operator's `pkill -USR1 node` (what
 * logrotate does for nginx) would otherwise open a debugger of a tenant's worker, its app settings
 * included, to anything on the machine's loopback.
 */
import { cp, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type TestApp } from '../helpers/app.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/functions/', import.meta.url));
const SCRATCH = fileURLToPath(new URL('../.tmp/', import.meta.url));

describe('a functions worker sent SIGUSR1', () => {
  let app: TestApp;
  let apiDir: string;
  beforeAll(async () => {
    // Inside the repository, so that @azure/functions resolves from its node_modules.
    apiDir = join(SCRATCH, `worker-sigusr1-${process.pid}`);
    await mkdir(SCRATCH, { recursive: true });
    await cp(join(FIXTURES, 'v4-cjs'), apiDir, { recursive: true });
    await writeFile(
      join(apiDir, 'src', 'functions', 'usr1.js'),
      [
        "const { app } = require('@azure/functions');",
        "const inspector = require('node:inspector');",
        "app.get('usr1', async () => {",
        "  process.kill(process.pid, 'SIGUSR1');",
        '  await new Promise((resolve) => setTimeout(resolve, 300));',
        '  return { jsonBody: { inspector: inspector.url() ?? null } };',
        '});',
        '',
      ].join('\n'),
    );
    app = await startApp({ 'index.html': 'home' }, { apiDir });
  }, 60_000);
  afterAll(async () => {
    await app?.close();
    await rm(apiDir, { recursive: true, force: true });
  });

  it('opens no inspector and keeps serving', async () => {
    const answer = await app.fetch('/api/usr1');
    expect(answer.status).toBe(200);
    expect(answer.json()).toEqual({ inspector: null });
    expect((await app.fetch('/api/hello?name=still')).json()).toEqual({ hello: 'still' });
  });
});
