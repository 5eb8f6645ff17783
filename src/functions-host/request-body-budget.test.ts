/**
 * Decision 0112: a request body streamed to a worker is read from its client only as the edge's budget
 * lets it. Against a real frame socket whose "worker" asks for the body and then stops reading, the
 * dispatcher reads a few MiB of a 64 MiB body and no more; nothing of a body is read before the worker
 * asks for it; and the budget's waiters take turns.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { ByteBudget, ENVIRONMENT_REQUEST_BODY_BYTES } from './byte-budget.js';
import { createFrameDispatcher } from './frame-dispatcher.js';
import { encodeFrame, FRAME, type Frame, FrameReader } from './worker/frames.js';

const MIB = 1024 * 1024;

/** A body of `total` bytes made on demand, counting what was pulled from it. */
function countingBody(total: number): { body: Readable; pulled: () => number } {
  let pulled = 0;
  const body = new Readable({
    read() {
      if (pulled >= total) {
        this.push(null);
        return;
      }
      const size = Math.min(64 * 1024, total - pulled);
      pulled += size;
      this.push(Buffer.alloc(size, 97));
    },
  });
  return { body, pulled: () => pulled };
}

/** A frame "worker": HELLO, then `onFrame` for each frame; `socket` to stop reading. */
async function startWorker(path: string, onFrame: (frame: Frame, socket: Socket) => void): Promise<Server> {
  const server = createServer((socket) => {
    const reader = new FrameReader();
    socket.write(Buffer.concat(encodeFrame(FRAME.HELLO, 0, undefined) as Buffer[]));
    socket.on('data', (chunk: Buffer) => {
      for (const frame of reader.push(chunk)) {
        onFrame(frame, socket);
      }
    });
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(path, resolve));
  return server;
}

const HANDLER: Dispatcher.DispatchHandler = {
  onRequestStart: () => {},
  onResponseStart: () => {},
  onResponseData: () => {},
  onResponseEnd: () => {},
  onResponseError: () => {},
};

describe('request bodies streamed to a worker', () => {
  let folder: string | undefined;
  let server: Server | undefined;
  afterEach(async () => {
    server?.close();
    if (folder !== undefined) {
      await rm(folder, { recursive: true, force: true });
    }
  });

  async function dispatch(onFrame: (frame: Frame, socket: Socket) => void, total: number) {
    folder = await mkdtemp(join(tmpdir(), 'portico-budget-'));
    const path = join(folder, 'frames.sock');
    const frames: Frame[] = [];
    server = await startWorker(path, (frame, socket) => {
      frames.push(frame);
      onFrame(frame, socket);
    });
    const requestBodies = new ByteBudget(64 * MIB);
    const dispatcher = createFrameDispatcher({
      frameSocketPath: path,
      httpSocketPath: join(folder, 'http.sock'),
      origin: 'http://127.0.0.1:1',
      streaming: () => false,
      maxConnections: () => 1,
      requestBodies,
    });
    const { body, pulled } = countingBody(total);
    dispatcher.dispatch({ method: 'POST', path: '/api/x', headers: {}, body }, HANDLER);
    return { frames, pulled, requestBodies, dispatcher };
  }

  it('reads only a budget of the body from its client while the worker does not read', async () => {
    const { frames, pulled, requestBodies, dispatcher } = await dispatch((frame, socket) => {
      if (frame.type === FRAME.REQUEST) {
        socket.write(Buffer.concat(encodeFrame(FRAME.CONTINUE, frame.id, undefined) as Buffer[]));
        // A busy worker: it reads nothing more.
        socket.pause();
      }
    }, 64 * MIB);
    await waitFor(() => requestBodies.held >= ENVIRONMENT_REQUEST_BODY_BYTES);
    // Let the edge go on as long as it would: it stopped at the budget.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(frames.map((frame) => frame.head)).toEqual([
      ['POST', '/api/x', ['host', '127.0.0.1:1', 'connection', 'keep-alive'], true],
    ]);
    // The budget, one part over it at most, plus what the streams and the kernel buffer hold.
    expect(requestBodies.held).toBeLessThanOrEqual(ENVIRONMENT_REQUEST_BODY_BYTES + 64 * 1024);
    expect(pulled()).toBeLessThan(ENVIRONMENT_REQUEST_BODY_BYTES + 4 * MIB);
    await dispatcher.destroy();
    await waitFor(() => requestBodies.held === 0);
  });

  it('reads nothing of the body before the worker asks for it, and all of it after', async () => {
    const received: number[] = [];
    let asked: (() => void) | undefined;
    const { pulled, requestBodies, dispatcher } = await dispatch((frame, socket) => {
      if (frame.type === FRAME.REQUEST) {
        asked = () =>
          socket.write(Buffer.concat(encodeFrame(FRAME.CONTINUE, frame.id, undefined) as Buffer[]));
      } else if (frame.type === FRAME.DATA) {
        received.push(frame.body.length);
      } else if (frame.type === FRAME.END) {
        socket.write(Buffer.concat(encodeFrame(FRAME.RESPONSE, frame.id, [200, []]) as Buffer[]));
      }
    }, 8 * MIB);
    await waitFor(() => asked !== undefined);
    await new Promise((resolve) => setTimeout(resolve, 200));
    // Only what the stream buffers ahead of any reader.
    expect(pulled()).toBeLessThanOrEqual(64 * 1024);
    asked?.();
    await waitFor(() => received.reduce((sum, size) => sum + size, 0) === 8 * MIB);
    await waitFor(() => requestBodies.held === 0);
    await dispatcher.destroy();
  });
});

describe('ByteBudget', () => {
  it('lets waiters in, first come first served, while there is room here and around', () => {
    const total = new ByteBudget(10);
    const a = new ByteBudget(6, total);
    const b = new ByteBudget(6, total);
    a.take(6);
    b.take(4);
    expect(a.hasRoom).toBe(false);
    expect(b.hasRoom).toBe(false);
    const order: string[] = [];
    b.wait(() => {
      order.push('b');
      b.take(1);
    });
    a.wait(() => order.push('a'));
    a.release(1);
    // a has room again, but the total's first waiter is b.
    expect(order).toEqual(['b']);
    b.release(1);
    expect(order).toEqual(['b', 'a']);
    expect(total.held).toBe(9);
  });
});

async function waitFor(condition: () => boolean): Promise<void> {
  for (let tries = 0; !condition(); tries += 1) {
    if (tries > 500) {
      throw new Error('condition not met in time');
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
