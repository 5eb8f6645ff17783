/**
 * Bad input never crashes the server and never reaches outside the app folder: traversal attempts,
 * invalid encodings, huge headers, symlinks pointing out, the config file itself, and methods.
 */
import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type TestApp } from '../helpers/app.js';
import { sendRaw } from '../helpers/raw-http.js';

let app: TestApp;
let outside: string;

/** Sends raw bytes (so no client library normalizes the path) and returns the status line. */
function rawStatus(url: string, requestLine: string, extraHeaders = ''): Promise<string> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1', () => {
      socket.write(`${requestLine}\r\nHost: x\r\nConnection: close\r\n${extraHeaders}\r\n`);
    });
    let data = '';
    socket.on('data', (chunk) => {
      data += chunk.toString('latin1');
    });
    socket.on('end', () => resolve(data.split('\r\n')[0] ?? ''));
    socket.on('error', reject);
  });
}

beforeAll(async () => {
  outside = await mkdtemp(join(tmpdir(), 'portico-outside-'));
  await writeFile(join(outside, 'secret.txt'), 'TOP SECRET');
  app = await startApp(
    { 'index.html': 'home', 'sub/page.html': 'page', 'back\\slash.txt': 'b' },
    { config: { routes: [{ route: '/sub/*', allowedRoles: ['admin'] }] } },
  );
  await symlink(join(outside, 'secret.txt'), join(app.dir, 'leak.txt'));
  await symlink(outside, join(app.dir, 'leakdir'));
  await symlink(join(app.dir, 'index.html'), join(app.dir, 'alias.html'));
});
afterAll(async () => {
  await app.close();
  await rm(outside, { recursive: true, force: true });
});

describe('path safety', () => {
  it.each([
    'GET /../../../../etc/passwd HTTP/1.1',
    'GET /%2e%2e/%2e%2e/etc/passwd HTTP/1.1',
    'GET /..%2f..%2f..%2fetc%2fpasswd HTTP/1.1',
    'GET /x/..%5c..%5cetc%5cpasswd HTTP/1.1',
    'GET /index.html%00.txt HTTP/1.1',
    'GET /%C3%28 HTTP/1.1',
    'GET /%zz HTTP/1.1',
  ])('%s is refused without leaking anything', async (line) => {
    const status = await rawStatus(app.url, line);
    expect(status).toMatch(/^HTTP\/1\.1 (400|404)/);
  });

  it('symlinks pointing outside the app folder are never served', async () => {
    // The source's watcher picks up the symlinks; give it a moment, then check they stay invisible.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await app.fetch('/leak.txt')).status).toBe(404);
    expect((await app.fetch('/leakdir/secret.txt')).status).toBe(404);
  });

  it('encoded slashes cannot dodge a route rule', async () => {
    expect((await app.fetch('/sub%2Fpage.html')).status).toBe(401);
    expect((await app.fetch('/sub/page.html')).status).toBe(401);
  });

  it('the config file is never served', async () => {
    expect((await app.fetch('/staticwebapp.config.json')).status).toBe(404);
    expect((await app.fetch('/sub/../staticwebapp.config.json')).status).toBe(404);
  });
});

describe('methods and protocol errors', () => {
  it('50. other methods on static content get 405; GET and HEAD are fine', async () => {
    for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
      expect((await app.fetch('/index.html', { method })).status, method).toBe(405);
    }
    expect((await app.fetch('/index.html', { method: 'HEAD' })).status).toBe(200);
    const head = await app.fetch('/index.html', { method: 'HEAD' });
    expect(head.text).toBe('');
    expect(head.header('content-length')).toBe('4');
  });

  it('huge headers get 431, and the server keeps serving', async () => {
    const status = await rawStatus(app.url, 'GET / HTTP/1.1', `X-Big: ${'a'.repeat(70_000)}\r\n`);
    expect(status).toMatch(/^HTTP\/1\.1 431/);
    expect((await app.fetch('/')).status).toBe(200);
  });

  it('a URL longer than the header limit gets 414, not a word about headers', async () => {
    expect(await rawStatus(app.url, `GET /${'a'.repeat(70_000)} HTTP/1.1`)).toMatch(/^HTTP\/1\.1 414/);
    expect((await app.fetch('/')).status).toBe(200);
  });

  it('garbage requests get 400, and the server keeps serving', async () => {
    expect(await rawStatus(app.url, 'NOT HTTP AT ALL')).toMatch(/^HTTP\/1\.1 400/);
    expect((await app.fetch('/')).text).toBe('home');
  });
});

describe('--verbose request lines', () => {
  it('include the requests step 0 answers, so a 400 the client saw is in the log too', async () => {
    const verbose = await startApp({ 'index.html': 'hi' }, { verbose: true });
    try {
      const answer = await sendRaw(
        verbose.url,
        'GET /index.html HTTP/1.1\r\nHost: localhost\r\nHost: evil.example\r\nConnection: close\r\n\r\n',
      );
      expect(answer.status).toBe(400);
      await expect
        .poll(() => verbose.logs.find((line) => line.includes('/index.html')))
        .toMatch(/GET \/index\.html 400 [\d.]+ms \(step 0\)/);
    } finally {
      await verbose.close();
    }
  });

  it('name the query parameters without their values, which may be secrets', async () => {
    const verbose = await startApp({ 'index.html': 'hi' }, { verbose: true });
    try {
      await verbose.fetch('/index.html?code=oauth-code-secret&subscription-key=key-secret&x');
      await expect
        .poll(() => verbose.logs.find((line) => line.includes('/index.html')))
        .toContain('GET /index.html?code=…&subscription-key=…&x=… 200');
      expect(verbose.logs.join('\n')).not.toMatch(/oauth-code-secret|key-secret/);
    } finally {
      await verbose.close();
    }
  });
});
