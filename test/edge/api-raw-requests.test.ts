/**
 * Requests only a raw client sends, over real sockets to `portico start` with a linked `/api` backend:
 * a raw `\` in the path (which URL parsers read as `/`, so rules must not be dodged by it), and a client
 * that stops sending its request body (408, told apart from a slow backend). Decision 0118.
 * @see tester report "proto-sec" items 1 and 3
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeServer, listen } from '../../src/edge/index.js';
import { authCookie, eventually, startApp, type TestApp } from '../helpers/app.js';
import { rawGet, sendRaw } from '../helpers/raw-http.js';

/** A backend that answers with the path it was asked for, and notes requests whose body never ended. */
interface PathBackend {
  readonly url: string;
  readonly paths: string[];
  /** Paths of requests whose connection closed before their whole body came. */
  readonly cut: string[];
  close(): Promise<void>;
}

async function startPathBackend(): Promise<PathBackend> {
  const paths: string[] = [];
  const cut: string[] = [];
  const server: Server = createServer((req: IncomingMessage, res) => {
    const path = req.url ?? '';
    paths.push(path);
    req.on('close', () => {
      if (!req.complete) {
        cut.push(path);
      }
    });
    req.resume();
    req.on('end', () => res.end(path));
  });
  const port = await listen(server, 0, '127.0.0.1');
  return { url: `http://127.0.0.1:${port}`, paths, cut, close: () => closeServer(server) };
}

const CONFIG = {
  routes: [
    { route: '/api/priv/*', allowedRoles: ['admin'] },
    { route: '/admin/*', allowedRoles: ['admin'] },
  ],
};

/** A POST whose body stops after 3 of its 1000 bytes (the client then sends nothing more). */
const STALLED_POST =
  'POST /api/stall HTTP/1.1\r\nHost: localhost\r\nContent-Type: text/plain\r\nContent-Length: 1000\r\n\r\nabc';

let backend: PathBackend;
let app: TestApp;

beforeAll(async () => {
  backend = await startPathBackend();
  app = await startApp(
    { 'index.html': 'home', 'admin/data.txt': 'secret' },
    { apiDevserverUrl: backend.url, config: CONFIG, clientBodyIdleMs: 200 },
  );
});
afterAll(async () => {
  await app.close();
  await backend.close();
});

describe('a raw backslash in the request path (decision 0118)', () => {
  it('is refused with 400 before any rule or backend, wherever it is', async () => {
    const before = backend.paths.length;
    for (const path of [
      '/api/priv\\x',
      '/api\\priv/x',
      '/admin\\data.txt',
      '/.auth\\me',
      '/\\admin/data.txt',
    ]) {
      const answer = await rawGet(app.url, path);
      expect(answer.status, path).toBe(400);
      expect(answer.body, path).toContain('raw "\\"');
    }
    expect(backend.paths.length).toBe(before);
  });

  it('guards what it would have dodged: the same paths with "/" are still protected', async () => {
    expect((await rawGet(app.url, '/api/priv/x')).status).toBe(401);
    expect((await rawGet(app.url, '/admin/data.txt')).status).toBe(401);
    const admin = authCookie({ userRoles: ['anonymous', 'authenticated', 'admin'] });
    const allowed = await sendRaw(
      app.url,
      `GET /api/priv/x HTTP/1.1\r\nHost: localhost\r\nCookie: ${admin}\r\nConnection: close\r\n\r\n`,
    );
    expect(allowed.status).toBe(200);
  });

  it('an encoded backslash (%5C) is a character of a name, matched and forwarded as one', async () => {
    // The rule sees `/api/priv\x`, one segment, as the managed functions and URL parsers do (they keep
    // `%5C` encoded or decode it into the segment): it is no path under /api/priv/.
    const answer = await rawGet(app.url, '/api/priv%5Cx');
    expect(answer.status).toBe(200);
    expect(backend.paths.at(-1)).toBe('/api/priv%5Cx');
  });
});

describe('a client that stops sending its request body', () => {
  it('gets 408, the log says the client stopped, and the backend is let go', async () => {
    const answer = await sendRaw(app.url, STALLED_POST);
    expect(answer.status).toBe(408);
    expect(answer.headers.connection).toBe('close');
    expect(JSON.parse(answer.body)).toMatchObject({ statusCode: 408, code: 'PROXY_CLIENT_BODY_TIMEOUT' });
    expect(app.logs.join('\n')).toContain(
      'POST /api/stall: The client stopped sending its request body: nothing more of it arrived within 200 ms.',
    );
    expect(app.logs.join('\n')).not.toContain('did not answer within');
    await eventually(async () => backend.cut.includes('/api/stall'));
  });

  it('under an API timeout shorter than the idle limit, is still told apart from a slow backend', async () => {
    const short = await startApp(
      { 'index.html': 'x' },
      { apiDevserverUrl: backend.url, apiTimeoutSeconds: 1 },
    );
    try {
      const answer = await sendRaw(short.url, STALLED_POST);
      expect(answer.status).toBe(408);
      expect(short.logs.join('\n')).toContain('The client stopped sending its request body');
    } finally {
      await short.close();
    }
  });

  it('a client still sending, only slowly, meets the API timeout like any call, not the 408', async () => {
    // @see the second regression tester's report: a slow upload longer than the API timeout was told it
    // had stopped sending. A byte every 100 ms is far inside the 2 s limit whatever the machine's load.
    const short = await startApp(
      { 'index.html': 'x' },
      { apiDevserverUrl: backend.url, apiTimeoutSeconds: 2 },
    );
    try {
      const { port } = new URL(short.url);
      const answer = await new Promise<string>((resolve) => {
        const socket = connect(Number(port), '127.0.0.1', () => {
          socket.write(STALLED_POST);
          const trickle = setInterval(() => socket.write('x'), 100);
          socket.once('close', () => clearInterval(trickle));
        });
        let text = '';
        socket.on('data', (chunk: Buffer) => {
          text += chunk.toString('latin1');
          if (text.includes('\r\n\r\n')) {
            socket.destroy();
          }
        });
        socket.on('error', () => undefined);
        socket.on('close', () => resolve(text));
      });
      expect(answer).toMatch(/^HTTP\/1\.1 500 /);
      expect(short.logs.join('\n')).not.toContain('The client stopped sending its request body');
    } finally {
      await short.close();
    }
  });

  it('a whole body is forwarded as before', async () => {
    const answer = await sendRaw(
      app.url,
      'POST /api/whole HTTP/1.1\r\nHost: localhost\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc',
    );
    expect(answer.status).toBe(200);
  });
});
