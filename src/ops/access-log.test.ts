/**
 * The access log behind a real node:http listener (instrumentListener + openAccessLog): the line's exact
 * JSON, escaping of what the client sends, and no line lost to the in-memory buffer on close or reopen.
 */
import { createHmac } from 'node:crypto';
import { once } from 'node:events';
import { mkdtemp, readFile, rename, rm } from 'node:fs/promises';
import { createServer, request, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type AccessLog, openAccessLog, throttleFailures } from './access-log.js';
import { instrumentListener } from './instrument.js';
import type { RequestLabels } from './metrics.js';

const PART_LENGTH = 1000;
const LABELS: RequestLabels = { site: 'shop', environment: 'production', kind: 'static' };

interface Harness {
  readonly file: string;
  readonly log: AccessLog;
  /** Sends a raw request (path and Host exactly as given); resolves with the response's request id. */
  send(path: string, host?: string): Promise<string>;
  /** Resolves once every response so far has closed (so its line is written or gathered). */
  settle(): Promise<void>;
  /** Sends `GET /hang` and leaves once the server has it, before any answer. */
  abandon(): Promise<void>;
  /**
   * Over a raw socket, sends `GET <path>` and closes the connection once it has `bodyBytes` of the body
   * (the server's `/part/<sent>` sends that many of a `content-length` of 1000, and never ends it).
   */
  readAndLeave(path: string, bodyBytes: number): Promise<void>;
  lines(file?: string): Promise<Record<string, unknown>[]>;
  text(file?: string): Promise<string>;
}

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) {
    await cleanup();
  }
});

async function start(): Promise<Harness> {
  const dir = await mkdtemp(join(tmpdir(), 'portico-access-log-'));
  const file = join(dir, 'access.log');
  const log = await openAccessLog({ target: file, userKey: Buffer.alloc(32, 7) });
  let next = 0;
  let closed = 0;
  const waiters: (() => void)[] = [];
  const hanging: (() => void)[] = [];
  // Registered after the access log's own `close` listener, so it runs once the line is gathered.
  const listener = (req: { url?: string }, res: ServerResponse) => {
    res.on('close', () => {
      closed += 1;
      for (const wake of waiters.splice(0)) {
        wake();
      }
    });
    // `/hang`: never answered (the client leaves first).
    if (req.url === '/hang') {
      hanging.shift()?.();
      return;
    }
    // `/part/<n>`: n bytes of 1000 written, the end left for later (as a piped file's end comes after its
    // last byte), so the client may leave first.
    if (req.url?.startsWith('/part/')) {
      res.setHeader('content-length', PART_LENGTH);
      res.write(Buffer.alloc(Number(req.url.slice(6)), 97));
      return;
    }
    res.end('hello');
  };
  const server: Server = createServer(
    instrumentListener(listener, {
      accessLog: log,
      // `/as/<user id>` stands for a request the edge served as that signed-in user.
      classifier: {
        classify: () => LABELS,
        userId: (req) => (req.url?.startsWith('/as/') ? req.url.slice(4) : undefined),
      },
      requestId: () => `id${String(next++).padStart(6, '0')}`,
    }),
  );
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  cleanups.push(
    () => rm(dir, { recursive: true, force: true }),
    async () => {
      server.close();
      await once(server, 'close');
    },
  );
  const text = (target = file) => readFile(target, 'utf8').catch(() => '');
  return {
    file,
    log,
    send: (path, host = `shop.localhost:${port}`) =>
      new Promise((resolve, reject) => {
        const req = request({ port, host: '127.0.0.1', path, headers: { host }, agent: false }, (res) => {
          res.resume();
          res.on('end', () => resolve(String(res.headers['x-ms-request-id'])));
        });
        req.on('error', reject);
        req.end();
      }),
    async abandon() {
      const received = new Promise<void>((resolve) => hanging.push(resolve));
      const req = request({ port, host: '127.0.0.1', path: '/hang', agent: false });
      req.on('error', () => undefined);
      req.end();
      await received;
      req.destroy();
    },
    readAndLeave: (path, bodyBytes) =>
      new Promise((resolve, reject) => {
        const socket = connect(port, '127.0.0.1', () =>
          socket.write(`GET ${path} HTTP/1.1\r\nHost: shop.localhost\r\n\r\n`),
        );
        let received = Buffer.alloc(0);
        socket.on('data', (data) => {
          received = Buffer.concat([received, data]);
          const headerEnd = received.indexOf('\r\n\r\n');
          if (headerEnd !== -1 && received.length - headerEnd - 4 >= bodyBytes) {
            socket.destroy();
            resolve();
          }
        });
        socket.on('error', reject);
      }),
    async settle() {
      while (closed < next) {
        await new Promise<void>((resolve) => waiters.push(resolve));
      }
    },
    text,
    lines: async (target) =>
      (await text(target))
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  };
}

describe('access log', () => {
  it('writes each line as the documented JSON object, fields in order, client strings escaped', async () => {
    const h = await start();
    const path = '/a%22b/"quote"/back\\slash';
    const host = 'weird"host\\name-é';
    const id = await h.send(`${path}?code=secret&x=1`, host);
    await h.settle();
    await h.log.close();
    const text = await h.text();
    const [line] = await h.lines();
    expect(Object.keys(line ?? {})).toEqual([
      'log',
      'time',
      'host',
      'site',
      'environment',
      'kind',
      'client',
      'method',
      'path',
      'queryNames',
      'status',
      'bytes',
      'durationMs',
      'requestId',
    ]);
    // Byte for byte what JSON.stringify makes of the same object (as pino wrote it before).
    expect(text).toBe(`${JSON.stringify({ ...line })}\n`);
    expect(line).toMatchObject({
      log: 'access',
      host,
      site: 'shop',
      environment: 'production',
      kind: 'static',
      client: '127.0.0.1',
      method: 'GET',
      path,
      queryNames: ['code', 'x'],
      status: 200,
      requestId: id,
    });
    expect(text).not.toContain('secret');
  });

  it('never writes the code of an invitation link', async () => {
    const h = await start();
    await h.send('/.auth/invitations/secret-invitation-code?x=1');
    await h.send('/.AUTH/Invitations/secret-invitation-code');
    await h.send('/.auth/invitations%2Fsecret-invitation-code');
    await h.send('/.auth/%69nvitations/secret-invitation-code');
    await h.send('/.auth//invitations/secret-invitation-code');
    // Spellings the server refuses are logged too, without the code (a regression tester's list).
    await h.send('/.auth/./invitations/secret-invitation-code');
    await h.send('/.auth/x/../invitations/secret-invitation-code');
    await h.send('/.auth/invitations;x/secret-invitation-code');
    await h.send('/.auth\\invitations\\secret-invitation-code');
    await h.settle();
    await h.log.close();
    expect(await h.text()).not.toContain('secret-invitation-code');
    expect((await h.lines()).map((line) => line.path)).toEqual([
      '/.auth/invitations/[redacted]',
      '/.AUTH/Invitations/[redacted]',
      '/.auth/invitations/[redacted]',
      '/.auth/invitations/[redacted]',
      '/.auth/invitations/[redacted]',
      '/.auth/invitations/[redacted]',
      '/.auth/invitations/[redacted]',
      '/.auth/invitations/[redacted]',
      '/.auth/invitations/[redacted]',
    ]);
  });

  it('escapes control characters in what the client sent', async () => {
    const h = await start();
    // A raw request line cannot carry control characters, but a Host header can carry a tab.
    await h.send('/', 'tab\there');
    await h.settle();
    await h.log.close();
    const text = await h.text();
    expect(text).toContain('"host":"tab\\there"');
    expect((await h.lines())[0]?.host).toBe('tab\there');
  });

  it('names a signed-in user by a keyed hash of the id, the same on every request', async () => {
    const h = await start();
    for (const path of ['/as/alice', '/as/bob', '/', '/as/alice']) {
      await h.send(path);
    }
    await h.settle();
    await h.log.close();
    const hash = (id: string) =>
      createHmac('sha256', Buffer.alloc(32, 7)).update(id).digest('hex').slice(0, 32);
    expect((await h.lines()).map((line) => line.userHash)).toEqual([
      hash('alice'),
      hash('bob'),
      undefined,
      hash('alice'),
    ]);
  });

  it('logs a request the client left before any answer as 499 and aborted, not as the 200 it started with', async () => {
    const h = await start();
    await h.abandon();
    await h.settle();
    await h.log.close();
    expect((await h.lines()).map(({ path, status, aborted }) => ({ path, status, aborted }))).toEqual([
      { path: '/hang', status: 499, aborted: true },
    ]);
  });

  it('logs a client that got every byte and closed before the response finished as complete, with its address', async () => {
    const h = await start();
    await h.readAndLeave(`/part/${PART_LENGTH}`, PART_LENGTH);
    await h.readAndLeave('/part/400', 400);
    await h.settle();
    await h.log.close();
    const lines = await h.lines();
    expect(lines.map(({ path, status, client, aborted }) => ({ path, status, client, aborted }))).toEqual([
      { path: `/part/${PART_LENGTH}`, status: 200, client: '127.0.0.1', aborted: undefined },
      { path: '/part/400', status: 200, client: '127.0.0.1', aborted: true },
    ]);
    expect(lines[0]?.bytes).toBeGreaterThan(PART_LENGTH);
  });

  it('writes every gathered line when closed, in the order of the responses', async () => {
    const h = await start();
    const ids: string[] = [];
    for (let i = 0; i < 300; i++) {
      ids.push(await h.send(`/page/${i}`));
    }
    await h.settle();
    await h.log.close();
    expect((await h.lines()).map((line) => line.requestId)).toEqual(ids);
  });

  it('writes the lines gathered before a reopen to the file that was moved away', async () => {
    const h = await start();
    const before = await h.send('/before');
    await h.settle();
    await rename(h.file, `${h.file}.1`);
    h.log.reopen();
    const after = await h.send('/after');
    await h.settle();
    await h.log.close();
    expect((await h.lines(`${h.file}.1`)).map((line) => line.requestId)).toEqual([before]);
    expect((await h.lines()).map((line) => line.requestId)).toEqual([after]);
  });

  it('closes when SIGTERM follows SIGHUP at once (the reopen still waiting for a write)', async () => {
    const h = await start();
    const before = await h.send('/before');
    await h.settle();
    await rename(h.file, `${h.file}.1`);
    h.log.reopen();
    await h.log.close();
    expect((await h.lines(`${h.file}.1`)).map((line) => line.requestId)).toEqual([before]);
  });

  it('writes a line on its own within moments when no more requests come', async () => {
    const h = await start();
    const id = await h.send('/alone');
    let lines: Record<string, unknown>[] = [];
    while (lines.length === 0) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      lines = await h.lines();
    }
    expect(lines.map((line) => line.requestId)).toEqual([id]);
    await h.log.close();
  });
});

describe('throttleFailures', () => {
  it('reports the first failure at once, then at most one a minute with how many came since', () => {
    let clock = 0;
    const reports: string[] = [];
    const fail = throttleFailures(
      (error, more) => reports.push(`${error}+${more}`),
      () => clock,
    );
    fail('ENOSPC');
    for (let i = 0; i < 36; i += 1) {
      clock += 100;
      fail('ENOSPC');
    }
    expect(reports).toEqual(['ENOSPC+0']);
    clock = 60_000;
    fail('EIO');
    expect(reports).toEqual(['ENOSPC+0', 'EIO+36']);
  });
});
