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

  it('cancels the response stream and ends the invocation when the client goes away', async () => {
    const response = await request(`${worker.url}/api/endless`);
    expect(response.statusCode).toBe(200);
    const reader = response.body[Symbol.asyncIterator]();
    expect(Buffer.from((await reader.next()).value).toString()).toMatch(/^pull \d+\n/);
    response.body.destroy();
    const cancelled = await worker.waitForLog((entry) =>
      String(entry.message).startsWith('endless stream cancelled'),
    );
    expect(cancelled).toMatchObject({ source: 'user', functionName: 'endless' });
    const ended = await worker.waitForLog((entry) => String(entry.message).includes('client went away'));
    expect(ended).toMatchObject({ level: 'info', source: 'system', functionName: 'endless' });
    expect(worker.logs().some((entry) => entry.message === 'endless postInvocation ran')).toBe(true);
    // The stream is no longer read: at most the pull under way when cancel() ran finished after it.
    const pulls = Number(/after (\d+) pulls/.exec(String(cancelled.message))?.[1]);
    const counts = (await (await request(`${worker.url}/api/pulls`)).body.json()) as Record<string, number>;
    expect(counts.cancels).toBe(1);
    expect(counts.pulls).toBeLessThanOrEqual(pulls + 1);
  });
});
