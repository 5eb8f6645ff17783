/**
 * `portico start --api`: unmodified Azure Functions apps (real @azure/functions v4 from npm, and v3
 * function.json folders) run by Portico's functions host behind the edge, over real sockets (spec §12
 * checks 39, 45, 46, 48; CONTRACT §2–3).
 */
import { execFileSync } from 'node:child_process';
import { cp, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authCookie, eventually, startApp, type TestApp } from '../helpers/app.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/functions/', import.meta.url));
const SCRATCH = fileURLToPath(new URL('../.tmp/', import.meta.url));
const TSC = fileURLToPath(new URL('../../node_modules/typescript/bin/tsc', import.meta.url));

describe('a v4 CommonJS app behind the edge', () => {
  let app: TestApp;
  let apiDir: string;
  beforeAll(async () => {
    // A copy inside the repository, so that @azure/functions still resolves from its node_modules.
    apiDir = join(SCRATCH, `v4-cjs-${process.pid}`);
    await mkdir(SCRATCH, { recursive: true });
    await cp(join(FIXTURES, 'v4-cjs'), apiDir, { recursive: true });
    await writeFile(
      join(apiDir, 'local.settings.json'),
      JSON.stringify({ Values: { GREETING: 'from local settings' } }),
    );
    // A function that kills its own worker mid-request, for the crash-and-recovery check.
    await writeFile(
      join(apiDir, 'src', 'functions', 'crash.js'),
      "const { app } = require('@azure/functions');\napp.get('crash', async () => { setImmediate(() => process.exit(7)); await new Promise(() => {}); });\n",
    );
    app = await startApp(
      { 'index.html': 'home' },
      {
        apiDir,
        apiTimeoutSeconds: 1,
        config: {
          routes: [{ route: '/api/echo', allowedRoles: ['authenticated'] }],
          globalHeaders: { 'x-global': '1' },
        },
      },
    );
  });
  afterAll(async () => {
    await app.close();
    await rm(apiDir, { recursive: true, force: true });
  });

  it('45. serves a function registered with app.http, JSON body unchanged, no global headers', async () => {
    const res = await app.fetch('/api/hello?name=portico');
    expect(res.status).toBe(200);
    expect(res.json()).toEqual({ hello: 'portico' });
    expect(res.header('content-type')).toMatch(/application\/json/);
    expect(res.header('x-global')).toBeUndefined();
  });

  it('matches route templates with constraints and optional segments', async () => {
    expect((await app.fetch('/api/products/electronics/357')).json()).toEqual({
      category: 'electronics',
      id: '357',
    });
    expect((await app.fetch('/api/products/electronics')).json()).toEqual({
      category: 'electronics',
      id: null,
    });
    expect((await app.fetch('/api/products/123')).status).toBe(404);
  });

  it('46. unknown paths and wrong methods are 404', async () => {
    expect((await app.fetch('/api/path-does-not-exist')).status).toBe(404);
    expect((await app.fetch('/api/hello', { method: 'DELETE' })).status).toBe(404);
  });

  it('39. binary bodies round-trip and the principal reaches the function only when signed in', async () => {
    const body = Buffer.from([0, 1, 2, 253, 254, 255]);
    const anonymous = await app.fetch('/api/echo', { method: 'POST', body });
    expect(anonymous.status).toBe(401);
    const cookie = authCookie({ userDetails: 'carol' });
    const signed = await app.fetch('/api/echo', {
      method: 'POST',
      body,
      headers: { cookie, 'content-type': 'application/octet-stream', 'x-ms-client-principal': 'spoofed' },
    });
    expect(signed.status).toBe(201);
    expect(signed.header('x-echo-length')).toBe('6');
    const principal = JSON.parse(Buffer.from(signed.header('x-echo-principal') ?? '', 'base64').toString());
    expect(principal).toMatchObject({ identityProvider: 'github', userDetails: 'carol' });
    expect(JSON.parse(signed.header('x-echo-user') ?? 'null')).toMatchObject({ type: 'StaticWebApps' });
  });

  it("the function sees the site's own host as Host, not the worker's internal address", async () => {
    const seen = (await app.fetch('/api/inspect/x')).json<{ headers: Record<string, string> }>().headers;
    expect(seen.host).toBe(new URL(app.url).host);
    expect(seen['x-forwarded-host']).toBe(new URL(app.url).host);
  });

  it('passes every cookie through as its own Set-Cookie', async () => {
    const res = await app.fetch('/api/cookies');
    const cookies = res.headers['set-cookie'];
    expect(Array.isArray(cookies) ? cookies.length : 0).toBe(2);
    expect(String(cookies)).toContain('first=one');
    expect(String(cookies)).toContain('second=');
  });

  it('local.settings.json Values become environment variables', async () => {
    expect((await app.fetch('/api/settings')).json()).toEqual({ greeting: 'from local settings' });
  });

  it('a thrown error is a 500 and the next request is fine', async () => {
    expect((await app.fetch('/api/fail')).status).toBe(500);
    expect((await app.fetch('/api/hello')).status).toBe(200);
  });

  it('48. a function slower than --api-timeout gets 500 "Backend call failure", and the host stays usable', async () => {
    const res = await app.fetch('/api/slow?ms=3000');
    expect(res.status).toBe(500);
    expect(res.text).toContain('Backend call failure');
    expect((await app.fetch('/api/slow?ms=10')).json()).toEqual({ slept: 10 });
  });

  it('runs concurrent invocations concurrently', async () => {
    const all = await Promise.all(Array.from({ length: 4 }, () => app.fetch('/api/gather?n=4')));
    expect(all.map((res) => res.status)).toEqual([200, 200, 200, 200]);
  });

  it('a crashed worker gives the in-flight request a clear 502 and is replaced', async () => {
    const crashed = await app.fetch('/api/crash');
    expect(crashed.status, crashed.text).toBe(502);
    expect(crashed.json<{ message: string }>().message).toContain('closed the connection before it answered');
    await eventually(async () => (await app.fetch('/api/hello')).status === 200, 15_000);
  });

  it('forwards context.log lines with the function name', async () => {
    await app.fetch('/api/hello?name=logged');
    await eventually(async () =>
      app.logs.some((line) => line.includes('hello') && line.includes('hello for logged')),
    );
  });

  it('restarts the worker when the API changes', async () => {
    const file = join(apiDir, 'src', 'functions', 'added.js');
    await writeFile(
      file,
      "const { app } = require('@azure/functions');\napp.get('added', async () => ({ body: 'new function' }));\n",
    );
    await eventually(async () => (await app.fetch('/api/added')).text === 'new function', 15_000);
    // The worker's own address is internal (it skips the edge's principal handling): never named.
    await eventually(async () => app.logs.some((line) => line.includes('functions: API ready again')));
    const ready = app.logs.filter((line) => line.includes('functions: API ready again'));
    expect(ready.every((line) => /functions: API ready again \(\d+ functions\)/.test(line))).toBe(true);
    expect(ready.join('\n')).not.toMatch(/127\.0\.0\.1|http:/);
  });
});

describe('other app shapes', () => {
  it('an ES module app', async () => {
    const app = await startApp({ 'index.html': 'x' }, { apiDir: join(FIXTURES, 'v4-esm') });
    try {
      expect((await app.fetch('/api/greet?name=esm')).text).toBe('Hello, esm!');
    } finally {
      await app.close();
    }
  });

  it('a v3 function.json app with route parameters and context.res', async () => {
    const app = await startApp({ 'index.html': 'x' }, { apiDir: join(FIXTURES, 'v3-app') });
    try {
      const res = await app.fetch('/api/catalog/7?x=1');
      expect(res.status).toBe(200);
      expect(res.json()).toMatchObject({ id: 7, paramsId: '7', method: 'GET', query: { x: '1' } });
    } finally {
      await app.close();
    }
  });

  it('an app that cannot load fails the start with a clear message', async () => {
    await expect(startApp({ 'index.html': 'x' }, { apiDir: join(FIXTURES, 'main-missing') })).rejects.toThrow(
      /main|build/i,
    );
    await expect(
      startApp({ 'index.html': 'x' }, { apiDir: join(FIXTURES, 'admin-authlevel') }),
    ).rejects.toThrow(/admin/);
  });
});

describe('TypeScript and streaming apps behind the edge', () => {
  it('a TypeScript app compiled by its own tsc; unbuilt, it fails with "run npm run build"', async () => {
    const apiDir = join(SCRATCH, `v4-ts-${process.pid}`);
    await mkdir(SCRATCH, { recursive: true });
    await cp(join(FIXTURES, 'v4-ts'), apiDir, { recursive: true });
    try {
      await expect(startApp({ 'index.html': 'x' }, { apiDir })).rejects.toThrow(/npm run build/);
      execFileSync(process.execPath, [TSC, '-p', apiDir]);
      const app = await startApp({ 'index.html': 'x' }, { apiDir });
      try {
        const res = await app.fetch('/api/typed/Ada');
        expect(res.status).toBe(200);
        expect(JSON.stringify(res.json())).toContain('Ada');
      } finally {
        await app.close();
      }
    } finally {
      await rm(apiDir, { recursive: true, force: true });
    }
  });

  it('an app with HTTP streaming: chunks, cookies and request bodies pass through the edge', async () => {
    const app = await startApp({ 'index.html': 'x' }, { apiDir: join(FIXTURES, 'v4-stream') });
    try {
      const ticks = await app.fetch('/api/ticks?count=3');
      expect(ticks.status).toBe(200);
      expect(ticks.text).toBe('tick 0\ntick 1\ntick 2\n');
      const cookies = ticks.headers['set-cookie'];
      expect(Array.isArray(cookies) ? cookies.length : 0).toBe(2);
      const upload = await app.fetch('/api/upload/42?q=z', { method: 'POST', body: 'x'.repeat(1000) });
      expect(upload.json()).toMatchObject({ id: '42', length: 1000, query: 'z' });
    } finally {
      await app.close();
    }
  });

  it('a client that goes away mid-stream cancels the response stream and ends the invocation', async () => {
    const app = await startApp({ 'index.html': 'x' }, { apiDir: join(FIXTURES, 'v4-stream') });
    try {
      const response = await request(`${app.url}/api/endless`);
      expect(response.statusCode).toBe(200);
      await response.body[Symbol.asyncIterator]().next();
      response.body.destroy();
      await eventually(async () => (await app.fetch('/api/pulls')).json<{ cancels: number }>().cancels === 1);
      await eventually(async () => app.logs.some((line) => line.includes('(Cancelled, Id=')));
    } finally {
      await app.close();
    }
  });
});
