import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { networkInterfaces } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPublicAgent, RefusedAddressError } from './public-agent.js';

/** @see decision 0092: the address checked is the address connected to, whatever the name resolves to later. */
describe('createPublicAgent', () => {
  let server: Server;
  let port = 0;
  const received: string[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      received.push(`${req.headers.host} ${req.url}`);
      res.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data/' }).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const get = (resolved: readonly string[], allowed: readonly string[], host = 'provider.test') =>
    createPublicAgent({
      isAllowed: (address) => allowed.includes(address),
      hint: 'allow <address> with --x',
      resolve: async () => resolved,
    }).request({ origin: `http://${host}:${port}`, path: '/x', method: 'GET' });

  it('refuses a name that resolves to loopback, sending nothing, and says how to allow it', async () => {
    const refusal = await get(['127.0.0.1'], []).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(RefusedAddressError);
    expect((refusal as Error).message).toBe(
      'provider.test (127.0.0.1) is a loopback address, the server itself, refused; allow 127.0.0.1 with --x',
    );
    await expect(get([], [], '127.0.0.1')).rejects.toThrow(/^127\.0\.0\.1 is a loopback address/);
    expect(received).toEqual([]);
  });

  it('connects to the address it checked, skipping refused ones, and follows no redirect', async () => {
    const answer = await get(['10.0.0.1', '127.0.0.1'], ['127.0.0.1']);
    await answer.body.dump();
    expect(answer.statusCode).toBe(302);
    expect(received).toEqual([`provider.test:${port} /x`]);
  });

  /** @see decision 0104: a tenant's identity provider at the server's own (non-loopback) address was reached. */
  it("refuses the server's own addresses, in any spelling, where a service bound to all of them answers", async () => {
    const own = Object.values(networkInterfaces())
      .flatMap((list) => list ?? [])
      .find((info) => info.family === 'IPv4' && !info.internal)?.address;
    if (own === undefined) {
      return; // A machine with loopback only has no such address.
    }
    const seen: string[] = [];
    const everywhere = createServer((req, res) => {
      seen.push(req.url ?? '');
      res.end('all-interfaces-secret');
    });
    await new Promise<void>((resolve) => everywhere.listen(0, '0.0.0.0', resolve));
    const agent = createPublicAgent({ isAllowed: () => false, hint: 'allow <address> with --x' });
    try {
      const at = (everywhere.address() as AddressInfo).port;
      for (const host of [own, `[::ffff:${own}]`]) {
        const refusal = await agent
          .request({ origin: `http://${host}:${at}`, path: '/x', method: 'GET' })
          .catch((error: unknown) => error);
        expect(refusal, host).toBeInstanceOf(RefusedAddressError);
        expect((refusal as Error).message, host).toContain("one of the server's own addresses");
      }
      expect(seen).toEqual([]);
    } finally {
      await agent.close();
      await new Promise((resolve) => everywhere.close(resolve));
    }
  });
});
