/**
 * The compiled worker serving real v4 apps (`@azure/functions` 4.x from the repo's node_modules) over
 * real sockets: CommonJS, ESM and a TypeScript app compiled by its own tsc. Needs `npm run build` first.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  FUNCTION_FIXTURES,
  type StartedWorker,
  startWorker,
} from '../../../test/helpers/functions-worker.js';

const TSC = fileURLToPath(new URL('../../../node_modules/.bin/tsc', import.meta.url));

async function getJson(worker: StartedWorker, path: string): Promise<{ status: number; json: unknown }> {
  const response = await request(`${worker.url}${path}`);
  return { status: response.statusCode, json: await response.body.json() };
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  return typeof address === 'object' && address !== null ? address.port : 0;
}

describe('worker: v4 CommonJS app', () => {
  let worker: StartedWorker;
  beforeAll(async () => {
    worker = await startWorker(join(FUNCTION_FIXTURES, 'v4-cjs'), { env: { GREETING: 'bonjour' } });
  });
  afterAll(async () => {
    await worker.stop();
  });

  it('reports its HTTP functions in the ready message', () => {
    expect(worker.ready).toMatchObject({ model: 'v4', streaming: false, warnings: [] });
    const functions = worker.ready.functions as { name: string }[];
    expect(functions.map((fn) => fn.name).sort()).toContain('hello');
    expect(functions.find((fn) => fn.name === 'products')).toEqual({
      name: 'products',
      methods: ['GET'],
      route: 'products/{category:alpha}/{id:int?}',
      authLevel: 'anonymous',
    });
    expect(functions.find((fn) => fn.name === 'echo')).toMatchObject({
      methods: ['POST'],
      authLevel: 'function',
    });
  });

  it('answers a jsonBody with application/json and logs context.log with name and invocation id', async () => {
    const response = await request(`${worker.url}/api/hello?name=Ada`);
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/json');
    expect(await response.body.json()).toEqual({ hello: 'Ada' });
    const log = await worker.waitForLog((entry) => entry.message === 'hello for Ada');
    expect(log).toMatchObject({ level: 'info', source: 'user', functionName: 'hello' });
    expect(log.invocationId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('matches route parameters with constraints and optional segments, case-insensitively', async () => {
    expect(await getJson(worker, '/api/products/electronics/357')).toEqual({
      status: 200,
      json: { category: 'electronics', id: '357' },
    });
    expect((await getJson(worker, '/API/Products/Books')).json).toEqual({ category: 'Books', id: null });
    const wrongConstraint = await request(`${worker.url}/api/products/42`);
    expect(wrongConstraint.statusCode).toBe(404);
    await wrongConstraint.body.dump();
  });

  it('answers 404 for a wrong method and an unknown path', async () => {
    for (const [method, path] of [
      ['POST', '/api/hello'],
      ['HEAD', '/api/hello'],
      ['GET', '/api/missing'],
      ['GET', '/hello'],
    ] as const) {
      const response = await request(`${worker.url}${path}`, { method });
      expect(response.statusCode, `${method} ${path}`).toBe(404);
      await response.body.dump();
    }
  });

  it('echoes binary bodies byte for byte and passes headers and the principal through', async () => {
    const bytes = randomBytes(64 * 1024);
    const principal = Buffer.from(
      JSON.stringify({
        identityProvider: 'github',
        userId: 'u1',
        userDetails: 'ada',
        userRoles: ['anonymous'],
      }),
    ).toString('base64');
    const response = await request(`${worker.url}/api/echo`, {
      method: 'POST',
      body: bytes,
      headers: {
        'content-type': 'application/octet-stream',
        'X-Custom': 'kept',
        'x-ms-client-principal': principal,
      },
    });
    expect(response.statusCode).toBe(201);
    expect(Buffer.from(await response.body.arrayBuffer()).equals(bytes)).toBe(true);
    expect(response.headers['x-echo-custom']).toBe('kept');
    expect(response.headers['x-echo-principal']).toBe(principal);
    const user = JSON.parse(String(response.headers['x-echo-user']));
    expect(user).toMatchObject({
      type: 'StaticWebApps',
      id: 'u1',
      username: 'ada',
      identityProvider: 'github',
    });
  });

  it('echoes a JSON body and sees no principal when none is sent', async () => {
    const response = await request(`${worker.url}/api/echo`, {
      method: 'POST',
      body: JSON.stringify({ a: [1, 2] }),
      headers: { 'content-type': 'application/json' },
    });
    expect(response.headers['content-type']).toBe('application/json');
    expect(response.headers['x-echo-principal']).toBe('none');
    expect(await response.body.json()).toEqual({ a: [1, 2] });
  });

  it('builds the request the way the host does: absolute URL, repeated query keys, lowercase headers', async () => {
    const response = await request(`${worker.url}/api/inspect/a/b%20c?x=1&x=2`, {
      headers: {
        'X-Forwarded-Host': 'site.example',
        'x-forwarded-proto': 'https',
        traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      },
    });
    const seen = (await response.body.json()) as Record<string, unknown>;
    expect(seen.url).toBe('https://site.example/api/inspect/a/b%20c?x=1&x=2');
    expect(seen.query).toEqual([
      ['x', '1'],
      ['x', '2'],
    ]);
    expect(seen.params).toEqual({ rest: 'a/b c' });
    expect(seen.headers).toMatchObject({ 'x-forwarded-host': 'site.example' });
    // The invocation's trace context is a child span of the caller's: its trace, its flags, a new span.
    expect(seen.traceparent).toMatch(/^00-0af7651916cd43dd8448eb211c80319c-[0-9a-f]{16}-01$/);
    expect(seen.traceparent).not.toBe('00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
    expect(seen.functionName).toBe('inspect');
  });

  it('sends every cookie as its own Set-Cookie line, ASP.NET style', async () => {
    const response = await request(`${worker.url}/api/cookies`);
    expect(response.headers['set-cookie']).toEqual([
      'first=one; path=/; httponly',
      'second=two%20words; max-age=60; path=/api; secure; samesite=strict',
    ]);
    expect(response.headers['x-extra']).toBe('yes');
    expect(response.headers['content-type']).toBe('text/plain;charset=UTF-8');
    expect(await response.body.text()).toBe('two cookies');
  });

  it('answers 500 when the handler throws, logs it, and keeps serving', async () => {
    const failed = await request(`${worker.url}/api/fail`);
    expect(failed.statusCode).toBe(500);
    expect(await failed.body.text()).toBe('');
    const log = await worker.waitForLog((entry) => String(entry.message).includes('boom from fail'));
    expect(log).toMatchObject({ level: 'error', source: 'system', functionName: 'fail' });
    expect(String(log.message)).toContain(String(log.invocationId));
    expect((await getJson(worker, '/api/hello')).status).toBe(200);
  });

  it('gives the app its environment and forwards console output tagged with the function', async () => {
    expect((await getJson(worker, '/api/settings')).json).toEqual({ greeting: 'bonjour' });
    const log = await worker.waitForLog((entry) => entry.message === 'settings read GREETING');
    expect(log).toMatchObject({ level: 'info', source: 'user', functionName: 'settings' });
  });

  it('tags console output of concurrent invocations with their own invocation id', async () => {
    const before = worker.logs().length;
    const settingsLogs = () =>
      worker
        .logs()
        .slice(before)
        .filter((entry) => entry.message === 'settings read GREETING');
    await Promise.all(Array.from({ length: 5 }, () => getJson(worker, '/api/settings')));
    await worker.waitForLog(() => settingsLogs().length >= 5);
    const ids = settingsLogs().map((entry) => entry.invocationId);
    expect(ids).toHaveLength(5);
    expect(new Set(ids).size).toBe(5);
  });

  it('runs appStart, preInvocation (replacing the handler) and postInvocation (changing the result) hooks', async () => {
    const response = await request(`${worker.url}/api/hooked`);
    expect(response.headers['x-hooked']).toBe('pre');
    expect(response.headers['x-started-by']).toBe('appStart');
    expect(await response.body.json()).toEqual({ pre: false, post: true });
  });

  it('answers 204 when a handler returns nothing', async () => {
    const response = await request(`${worker.url}/api/nothing`);
    expect(response.statusCode).toBe(204);
    await response.body.dump();
  });

  it('runs invocations concurrently: 10 requests that each wait for all 10 to be in flight', async () => {
    const responses = await Promise.all(
      Array.from({ length: 10 }, () => getJson(worker, '/api/gather?n=10')),
    );
    expect(responses.every((response) => response.status === 200)).toBe(true);
  });

  it('serves its health check under the reserved /__portico/ prefix only', async () => {
    const health = await request(`${worker.url}/__portico/health`);
    expect(health.statusCode).toBe(200);
    expect(await health.body.text()).toBe('ok');
    const other = await request(`${worker.url}/__portico/hello`);
    expect(other.statusCode).toBe(404);
    await other.body.dump();
  });

  it('runs appTerminate hooks on SIGTERM and exits 0', async () => {
    const standalone = await startWorker(join(FUNCTION_FIXTURES, 'v4-cjs'));
    expect(await standalone.stop()).toBe(0);
    expect(standalone.logs().some((entry) => entry.message === 'appTerminate ran')).toBe(true);
  });
});

describe('worker: v4 ES module app', () => {
  let worker: StartedWorker;
  let port: number;
  beforeAll(async () => {
    port = await freePort();
    worker = await startWorker(join(FUNCTION_FIXTURES, 'v4-esm'), { port });
  });
  afterAll(async () => {
    await worker.stop();
  });

  it('listens on the given port and loads the files imported by main', () => {
    expect(worker.port).toBe(port);
    expect((worker.ready.functions as { name: string }[]).map((fn) => fn.name)).toEqual(['greet', 'items']);
  });

  it('serves a text body and a JSON body through HttpResponse', async () => {
    const greet = await request(`${worker.url}/api/greet?name=Esm`);
    expect(await greet.body.text()).toBe('Hello, Esm!');
    const put = await request(`${worker.url}/api/items/42`, {
      method: 'PUT',
      body: JSON.stringify({ qty: 3 }),
      headers: { 'content-type': 'application/json' },
    });
    expect(await put.body.json()).toEqual({ id: '42', payload: { qty: 3 } });
    const wrongMethod = await request(`${worker.url}/api/items/42`, { method: 'DELETE' });
    expect(wrongMethod.statusCode).toBe(404);
    await wrongMethod.body.dump();
  });
});

describe('worker: v4 TypeScript app compiled by its own tsc', () => {
  const appDir = join(FUNCTION_FIXTURES, 'v4-ts');
  let worker: StartedWorker;
  beforeAll(async () => {
    execFileSync(TSC, ['-p', appDir]);
    worker = await startWorker(appDir);
  }, 30_000);
  afterAll(async () => {
    await worker.stop();
    rmSync(join(appDir, 'dist'), { recursive: true, force: true });
  });

  it('serves the compiled functions, with an optional route parameter', async () => {
    expect((await getJson(worker, '/api/typed/ts')).json).toEqual({ name: 'ts', compiled: true });
    expect((await getJson(worker, '/api/typed')).json).toEqual({ name: 'anonymous', compiled: true });
  });
});

describe('worker: v4 names and bindings Azure would not run', () => {
  let worker: StartedWorker;
  beforeAll(async () => {
    worker = await startWorker(join(FUNCTION_FIXTURES, 'v4-names-bindings'));
  });
  afterAll(async () => {
    await worker.stop();
  });

  it('leaves out a function whose name Azure refuses, and names the bindings it does not run', async () => {
    expect((worker.ready.functions as { name: string }[]).map((f) => f.name)).toEqual(['enqueue']);
    const warnings = (worker.ready.warnings as string[]).join('\n');
    expect(warnings).toContain('"get users" is not a valid function name');
    expect(warnings).toMatch(
      /Function "enqueue" declares bindings Static Web Apps does not run: .*\(queue, out\)/,
    );
    expect(await (await request(`${worker.url}/api/enqueue`)).body.text()).toBe('queued');
  });

  it('leaves out a function whose route starts with admin, with a warning, and serves the others', async () => {
    const warnings = (worker.ready.warnings as string[]).join('\n');
    expect(warnings).toMatch(/Function 'adminStats': .*starts with 'admin'.*built in routes.*not served/);
    const stats = await request(`${worker.url}/api/adminStats`);
    expect(stats.statusCode).toBe(404);
    await stats.body.dump();
    expect(await (await request(`${worker.url}/api/enqueue`)).body.text()).toBe('queued');
  });

  it('says host.json functionTimeout and customHeaders are not applied', async () => {
    const warnings = (worker.ready.warnings as string[]).join('\n');
    expect(warnings).toContain('host.json sets functionTimeout to "00:10:00", which Portico does not apply');
    expect(warnings).toContain(
      'host.json sets extensions.http.customHeaders (X-Frame-Options), which Portico does not add to responses',
    );
  });

  it('names the timer it does not start and the v3 function folder it ignores', async () => {
    const warnings = (worker.ready.warnings as string[]).join('\n');
    expect(warnings).toContain('these functions are not started: nightly (timerTrigger)');
    expect(warnings).toMatch(/v3 function folders are ignored, as on Azure: legacy\/function\.json\./);
    const legacy = await request(`${worker.url}/api/legacy`);
    expect(legacy.statusCode).toBe(404);
    await legacy.body.dump();
  });
});
