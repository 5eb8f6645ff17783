/**
 * The compiled worker serving a v3 app (function.json folders) through the bundled `@azure/functions@3`
 * over real sockets (spec §5). Needs `npm run build` first.
 */
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  FUNCTION_FIXTURES,
  type StartedWorker,
  startWorker,
} from '../../../test/helpers/functions-worker.js';

describe('worker: v3 function.json app', () => {
  let worker: StartedWorker;
  beforeAll(async () => {
    worker = await startWorker(join(FUNCTION_FIXTURES, 'v3-app'));
  });
  afterAll(async () => {
    await worker.stop();
  });

  it('discovers the HTTP functions, warns about the timer by name, and applies v3 defaults', () => {
    expect(worker.ready).toMatchObject({ model: 'v3', streaming: false });
    expect(worker.ready.warnings).toEqual([expect.stringContaining('timer (timerTrigger)')]);
    expect(worker.ready.functions).toEqual([
      { name: 'express', methods: null, route: 'express-style', authLevel: 'function' },
      { name: 'legacy-done', methods: null, route: 'legacy-done', authLevel: 'function' },
      { name: 'named', methods: ['GET'], route: 'named', authLevel: 'anonymous' },
      { name: 'products', methods: ['GET', 'POST'], route: 'catalog/{id:int}', authLevel: 'anonymous' },
      { name: 'returns', methods: ['GET'], route: 'returns', authLevel: 'function' },
    ]);
  });

  it('uses context.res, with route params in req.params and bindingData, query and JSON body', async () => {
    const response = await request(`${worker.url}/api/catalog/7?name=q&x=1&x=2`, {
      method: 'POST',
      body: JSON.stringify({ name: 'bob' }),
      headers: { 'content-type': 'application/json' },
    });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('application/json');
    expect(await response.body.json()).toEqual({
      id: 7,
      paramsId: '7',
      method: 'POST',
      query: { name: 'q', x: '1,2' },
      bodyName: 'bob',
      bindingName: 'q',
    });
    const log = await worker.waitForLog((entry) => entry.message === 'v3 products 7');
    expect(log).toMatchObject({ source: 'user', functionName: 'products' });
  });

  it('uses the $return value with status, text body and cookies', async () => {
    const response = await request(`${worker.url}/api/returns?name=al`);
    expect(response.statusCode).toBe(202);
    expect(response.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(response.headers['set-cookie']).toEqual(['v3a=x; path=/', 'v3b=y; path=/; samesite=lax']);
    expect(await response.body.text()).toBe('returned al');
  });

  it('supports context.done and context.bindingData (invocationId, sys, headers, query)', async () => {
    const response = await request(`${worker.url}/api/legacy-done?q=qq`, { headers: { 'x-test': 'xt' } });
    expect(response.statusCode).toBe(200);
    const body = JSON.parse(await response.body.text());
    expect(body).toMatchObject({
      sysMethod: 'legacy-done',
      headerX: 'xt',
      queryQ: 'qq',
      functionName: 'legacy-done',
    });
    expect(body.invocationId).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('writes an object body without content type as JSON text (the host default)', async () => {
    const response = await request(`${worker.url}/api/legacy-done`);
    expect(response.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(await response.body.text()).toMatch(/^\{\n {2}"invocationId": /);
  });

  it('supports the Express-style response and accepts every method when methods is absent', async () => {
    for (const method of ['POST', 'DELETE'] as const) {
      const response = await request(`${worker.url}/api/express-style`, {
        method,
        ...(method === 'POST' ? { body: '{"n":1}', headers: { 'content-type': 'application/json' } } : {}),
      });
      expect(response.statusCode).toBe(201);
      expect(response.headers['x-express']).toBe('yes');
      expect(JSON.parse(await response.body.text())).toEqual({
        ok: true,
        received: method === 'POST' ? { n: 1 } : null,
      });
    }
  });

  it('loads scriptFile outside the folder and calls the named entryPoint', async () => {
    const response = await request(`${worker.url}/api/named`);
    expect(await response.body.text()).toBe('entry point of named');
  });

  it('answers 404 for a wrong method, a failed constraint and the non-HTTP function', async () => {
    for (const [method, path] of [
      ['DELETE', '/api/catalog/7'],
      ['GET', '/api/catalog/seven'],
      ['GET', '/api/timer'],
    ] as const) {
      const response = await request(`${worker.url}${path}`, { method });
      expect(response.statusCode, `${method} ${path}`).toBe(404);
      await response.body.dump();
    }
  });
});

describe('worker: a v3 app with one function that cannot load', () => {
  let worker: StartedWorker;
  beforeAll(async () => {
    worker = await startWorker(join(FUNCTION_FIXTURES, 'v3-one-broken'));
  });
  afterAll(async () => {
    await worker.stop();
  });

  it('runs the others, and says which functions are left out and why (as the Functions host does)', async () => {
    expect((worker.ready.functions as { name: string }[]).map((f) => f.name)).toEqual(['good']);
    const warnings = (worker.ready.warnings as string[]).join('\n');
    expect(warnings).toMatch(
      /broken\/function\.json is not valid JSON .*This function is not loaded; the others run\./,
    );
    expect(warnings).toContain('"twofiles"');
    const answer = await request(`${worker.url}/api/good`);
    expect(await answer.body.text()).toBe('good');
  });
});
