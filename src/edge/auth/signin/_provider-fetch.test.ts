import type { Dispatcher } from 'undici';
import { describe, expect, it } from 'vitest';
import { createProviderFetch } from './_provider-fetch.js';

/** An agent that answers every request with `status` and `body`, and records the origins asked. */
function fakeAgent(status: number, body: string) {
  const asked: string[] = [];
  const agent = {
    request: async (options: { origin: string }) => {
      asked.push(options.origin);
      return {
        statusCode: status,
        headers: { 'content-type': 'application/json' },
        body: Object.assign([Buffer.from(body)], { destroy: () => undefined }),
      };
    },
  } as unknown as Dispatcher;
  return { agent, asked };
}

/** @see decision 0092: a discovery document on loopback made plain HTTP allowed to every host it named. */
describe('the provider fetch', () => {
  it('sends plain HTTP only to a host named as this machine, whatever a discovery document names', async () => {
    const { agent, asked } = fakeAgent(200, '{}');
    const fetchProvider = createProviderFetch(() => agent, 1000);
    for (const url of ['http://169.254.169.254/latest/meta-data/', 'http://10.0.0.5/token', 'ftp://x/']) {
      await expect(fetchProvider(url), url).rejects.toThrow(/is not HTTPS/);
    }
    expect(asked).toEqual([]);
    const answer = await fetchProvider('http://localhost:8080/.well-known/openid-configuration');
    expect(answer.status).toBe(200);
    expect(asked).toEqual(['http://localhost:8080']);
  });

  it('hands on a redirect as an answer instead of following it', async () => {
    const { agent, asked } = fakeAgent(302, '');
    const answer = await createProviderFetch(() => agent, 1000)('https://idp.example/token', {
      method: 'POST',
      body: new URLSearchParams({ code: 'x' }),
    });
    expect(answer.status).toBe(302);
    expect(asked).toEqual(['https://idp.example']);
  });
});
