import { createServer, request, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { onResponseClose } from './response-close.js';

/** A server whose one response goes to `handle`; resolves once the client has read it. */
async function withResponse(handle: (res: ServerResponse) => void): Promise<void> {
  const server = createServer((_req, res) => handle(res));
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve, reject) => {
    request({ host: '127.0.0.1', port, agent: false }, (res) => res.resume().on('end', resolve))
      .on('error', reject)
      .end();
  });
}

const servers: ReturnType<typeof createServer>[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

describe('onResponseClose', () => {
  it('runs every callback once, in the order added, through one close listener', async () => {
    const calls: string[] = [];
    let closed!: () => void;
    const allClosed = new Promise<void>((resolve) => {
      closed = resolve;
    });
    let listeners = 0;
    await withResponse((res) => {
      onResponseClose(res, () => calls.push('first'));
      onResponseClose(res, () => calls.push('second'));
      onResponseClose(res, () => {
        calls.push('third');
        closed();
      });
      listeners = res.listenerCount('close');
      res.end('ok');
    });
    await allClosed;
    expect(calls).toEqual(['first', 'second', 'third']);
    expect(listeners).toBe(1);
  });
});
