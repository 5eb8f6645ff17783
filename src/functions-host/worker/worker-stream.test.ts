/**
 * HTTP streaming (spec §7): a v4 app with `app.setup({ enableHttpStream: true })`, served through the
 * library's own proxy protocol. Needs `npm run build` first.
 */
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  FUNCTION_FIXTURES,
  type StartedWorker,
  startWorker,
} from '../../../test/helpers/functions-worker.js';

describe('worker: v4 streaming app', () => {
  let worker: StartedWorker;
  beforeAll(async () => {
    worker = await startWorker(join(FUNCTION_FIXTURES, 'v4-stream'));
  });
  afterAll(async () => {
    await worker.stop();
  });

  it('announces streaming', () => {
    expect(worker.ready).toMatchObject({ model: 'v4', streaming: true });
  });

  it('streams the response body chunk by chunk, with its cookies', async () => {
    const response = await request(`${worker.url}/api/ticks?count=3`);
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/plain');
    expect(response.headers['set-cookie']).toEqual(['s1=a', 's2=b']);
    expect(response.headers['x-ms-invocation-id']).toBeUndefined();
    const chunks: string[] = [];
    for await (const chunk of response.body) {
      chunks.push(Buffer.from(chunk).toString());
    }
    expect(chunks.length).toBeGreaterThan(1);
    expect(chunks.join('')).toBe('tick 0\ntick 1\ntick 2\n');
  });

  it('streams the request body to the function with headers, route values and the query', async () => {
    const body = 'x'.repeat(200_000);
    const response = await request(`${worker.url}/api/upload/5?q=yes`, {
      method: 'POST',
      body,
      headers: { 'x-custom': 'c', 'x-forwarded-host': 'site.example', 'x-forwarded-proto': 'https' },
    });
    expect(await response.body.json()).toEqual({
      id: '5',
      length: body.length,
      custom: 'c',
      query: 'yes',
      url: 'https://site.example/api/upload/5?q=yes',
    });
  });

  it('answers 500 when the handler throws and 204 when it returns nothing, then keeps serving', async () => {
    const failed = await request(`${worker.url}/api/streamfail`);
    expect(failed.statusCode).toBe(500);
    await failed.body.dump();
    const nothing = await request(`${worker.url}/api/streamnothing`);
    expect(nothing.statusCode).toBe(204);
    await nothing.body.dump();
    const again = await request(`${worker.url}/api/ticks?count=1`);
    expect(await again.body.text()).toBe('tick 0\n');
  });
});
