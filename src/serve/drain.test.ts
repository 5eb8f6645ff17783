/**
 * The drain's idle sweep against real sockets: a download whose response has ended but still waits for a
 * slow client is finished before its connection closes, while a connection that is really idle closes.
 * @see issue 14 (operations: graceful drain), test/ops/drain.test.ts (the whole process on SIGTERM)
 */
import { createServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { connect, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestCa } from '../../test/helpers/certificates.js';
import { closeServer, listen } from '../edge/index.js';
import { createDrainGate, type DrainGate, drainServer } from './drain.js';

/** Larger than the loopback socket buffers, so part of it waits in the process for the client to read. */
const BODY = Buffer.alloc(16 * 1024 * 1024, 0x61);

interface Connection {
  readonly socket: Socket;
  /** Bytes received so far. */
  received(): number;
  /** Resolves when the server closed the connection, with everything received. */
  readonly closed: Promise<number>;
}

/** A raw connection to `port` that sends `request` and, while paused, reads nothing. */
function open(port: number, request: string, paused: boolean): Promise<Connection> {
  return new Promise((resolve, reject) => {
    let received = 0;
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(request);
      resolve({ socket, received: () => received, closed });
    });
    if (paused) {
      socket.pause();
    }
    socket.on('data', (chunk: Buffer) => {
      received += chunk.length;
    });
    const closed = new Promise<number>((done) => socket.on('close', () => done(received)));
    socket.on('error', reject);
  });
}

const GET = (path: string) => `GET ${path} HTTP/1.1\r\nHost: drain.test\r\n\r\n`;

describe('drainServer', () => {
  let server: Server | undefined;
  afterEach(async () => {
    server?.closeAllConnections();
    await (server === undefined ? undefined : closeServer(server).catch(() => undefined));
    server = undefined;
  });

  /** A server that answers `/big` with {@link BODY} in one `end`, and anything else with a short body. */
  async function start(gate: DrainGate): Promise<{ port: number; ended: Promise<void> }> {
    let markEnded: () => void = () => undefined;
    const ended = new Promise<void>((resolve) => {
      markEnded = resolve;
    });
    server = createServer(
      gate.wrap((req, res) => {
        if (req.url === '/big') {
          res.setHeader('content-length', BODY.length);
          res.end(BODY);
          markEnded();
          return;
        }
        res.end('small');
      }),
    );
    gate.watch(server);
    return { port: await listen(server, 0, '127.0.0.1'), ended };
  }

  it('lets a slow client read the whole of a response that has ended, then closes its connection', async () => {
    const gate = createDrainGate();
    const { port, ended } = await start(gate);
    (server as Server).keepAliveTimeout = 100;
    const slow = await open(port, GET('/big'), true);
    await ended;

    gate.start();
    const drained = drainServer(server as Server, Date.now() + 60_000, gate);
    slow.socket.resume();
    const received = await slow.closed;
    // The head, then every byte of the body.
    expect(received).toBeGreaterThan(BODY.length);
    expect(await drained).toBe(true);
  }, 60_000);

  it('ends when an idle keep-alive connection reaches its keep-alive timeout, without waiting for the deadline', async () => {
    const gate = createDrainGate();
    const { port } = await start(gate);
    (server as Server).keepAliveTimeout = 100;
    const idle = await open(port, GET('/small'), false);
    while (idle.received() === 0) {
      await new Promise((resolve) => setImmediate(resolve));
    }
    gate.start();
    expect(await drainServer(server as Server, Date.now() + 60_000, gate)).toBe(true);
    await idle.closed;
  }, 60_000);

  it('closes a connection that has not sent a byte yet (a browser preconnect) instead of waiting for it', async () => {
    const gate = createDrainGate();
    const { port } = await start(gate);
    const accepted = new Promise((resolve) => server?.once('connection', resolve));
    const unused = await open(port, '', false);
    await accepted;
    gate.start();
    expect(await drainServer(server as Server, Date.now() + 20_000, gate)).toBe(true);
    expect(await unused.closed).toBe(0);
  }, 60_000);

  it('closes an HTTPS connection that finished its handshake but sent no request', async () => {
    const gate = createDrainGate();
    const ca = await createTestCa();
    const pair = await ca.issue(['drain.test']);
    const secure = createHttpsServer(
      pair,
      gate.wrap((_req, res) => res.end('small')),
    );
    server = secure;
    gate.watch(secure);
    const port = await listen(secure, 0, '127.0.0.1');
    const handshaken = new Promise((resolve) => secure.once('secureConnection', resolve));
    const client = connectTls({ port, host: '127.0.0.1', servername: 'drain.test', ca: ca.cert });
    const closed = new Promise((resolve) => client.on('close', resolve));
    client.on('error', () => undefined);
    await handshaken;
    gate.start();
    expect(await drainServer(secure, Date.now() + 20_000, gate)).toBe(true);
    await closed;
  }, 60_000);

  it('answers a request whose first bytes arrived before the drain, with Connection: close', async () => {
    const gate = createDrainGate();
    const { port } = await start(gate);
    const request = GET('/small');
    const arrived = new Promise<void>((resolve) =>
      server?.once('connection', (socket: Socket) => socket.once('data', () => resolve())),
    );
    const partial = await open(port, request.slice(0, 10), false);
    await arrived;
    gate.start();
    const drained = drainServer(server as Server, Date.now() + 20_000, gate);
    let text = '';
    partial.socket.on('data', (chunk: Buffer) => {
      text += chunk.toString();
    });
    partial.socket.write(request.slice(10));
    await partial.closed;
    expect(text).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(text).toMatch(/\r\nConnection: close\r\n/i);
    expect(text.endsWith('small')).toBe(true);
    expect(await drained).toBe(true);
  }, 60_000);

  it('answers, with Connection: close, a first request sent just after the drain began on a connection opened before it', async () => {
    const gate = createDrainGate();
    const { port } = await start(gate);
    const accepted = new Promise((resolve) => server?.once('connection', resolve));
    const late = await open(port, '', false);
    await accepted;
    gate.start();
    const drained = drainServer(server as Server, Date.now() + 20_000, gate);
    let text = '';
    late.socket.on('data', (chunk: Buffer) => {
      text += chunk.toString();
    });
    // The balancer had not heard of the drain yet: the request follows the connection a moment later.
    await new Promise((resolve) => setTimeout(resolve, 20));
    late.socket.write(GET('/small'));
    await late.closed;
    expect(text).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(text).toMatch(/\r\nConnection: close\r\n/i);
    expect(await drained).toBe(true);
  }, 60_000);

  /**
   * @see multinode QA: nginx (upstream keepalive) under wrk logged `recv() failed (104: Connection reset by
   * peer)` at SIGTERM: the drain closed idle keep-alive connections that nginx was sending a request on.
   */
  it('keeps an idle keep-alive connection open during the drain and answers its next request with Connection: close', async () => {
    const gate = createDrainGate();
    const { port } = await start(gate);
    // No keep-alive timeout: only the drain could close the idle connection.
    (server as Server).keepAliveTimeout = 0;
    const kept = await open(port, GET('/small'), false);
    while (kept.received() === 0) {
      await new Promise((resolve) => setImmediate(resolve));
    }
    let reset = false;
    kept.socket.on('error', () => {
      reset = true;
    });
    // A second listener of the gate (the admin port), still open while the first drains.
    const other = createServer(gate.wrap((_req, res) => res.end('other')));
    gate.watch(other);
    const otherPort = await listen(other, 0, '127.0.0.1');
    try {
      gate.start();
      const drained = drainServer(server as Server, Date.now() + 60_000, gate);
      // A silent connection opened after the drain began is closed once the drain's sweeps have run for
      // longer than any grace it gives idle connections: the keep-alive one is still open then.
      const accepted = new Promise((resolve) => other.once('connection', resolve));
      const silent = await open(otherPort, '', false);
      await accepted;
      await silent.closed;
      let text = '';
      kept.socket.on('data', (chunk: Buffer) => {
        text += chunk.toString();
      });
      kept.socket.write(GET('/small'));
      await kept.closed;
      expect(reset).toBe(false);
      expect(text).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
      expect(text).toMatch(/\r\nConnection: close\r\n/i);
      expect(text.endsWith('small')).toBe(true);
      expect(await drained).toBe(true);
    } finally {
      other.closeAllConnections();
      await closeServer(other);
    }
  }, 60_000);

  it('answers, with Connection: close, a request sent on a keep-alive connection as the drain begins', async () => {
    const gate = createDrainGate();
    const { port } = await start(gate);
    const kept = await open(port, GET('/small'), false);
    while (kept.received() === 0) {
      await new Promise((resolve) => setImmediate(resolve));
    }
    let text = '';
    kept.socket.on('data', (chunk: Buffer) => {
      text += chunk.toString();
    });
    gate.start();
    const drained = drainServer(server as Server, Date.now() + 20_000, gate);
    kept.socket.write(GET('/small'));
    await kept.closed;
    expect(text).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(text).toMatch(/\r\nConnection: close\r\n/i);
    expect(await drained).toBe(true);
  }, 60_000);

  it('cuts what is left at the deadline and says so', async () => {
    const gate = createDrainGate();
    const { port, ended } = await start(gate);
    const stalled = await open(port, GET('/big'), true);
    await ended;
    gate.start();
    expect(await drainServer(server as Server, Date.now() + 200, gate)).toBe(false);
    stalled.socket.resume();
    expect(await stalled.closed).toBeLessThan(BODY.length);
  }, 60_000);
});
