/** The Host header decides the origin of the URLs the edge builds (D4), and a Host no URL can hold is not used. */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type TestApp } from '../helpers/app.js';

let app: TestApp;

/** Sends one request with the Host given, unchanged, and returns the whole response head. */
function headWith(host: string, path: string): Promise<string> {
  const { port } = new URL(app.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1', () => {
      socket.write(`GET ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
    });
    let data = '';
    socket.on('data', (chunk) => {
      data += chunk.toString('latin1');
    });
    socket.on('end', () => resolve(data.split('\r\n\r\n')[0] ?? ''));
    socket.on('error', reject);
  });
}

beforeAll(async () => {
  app = await startApp(
    { 'index.html': 'home', 'new.html': 'new' },
    { config: { routes: [{ route: '/old', redirect: '/new' }] } },
  );
});
afterAll(async () => {
  await app.close();
});

describe('Host header', () => {
  it('builds redirects from a bracketed IPv6 Host', async () => {
    const head = await headWith('[::1]:8080', '/old');
    expect(head).toMatch(/^HTTP\/1\.1 302/);
    expect(head).toContain('location: http://[::1]:8080/new');
  });

  // Step 0 refuses these before any Location is built (decision 0119; they once lost their port here).
  it.each(['x:99999', 'x:0', '[::1]:65536'])('refuses a port no URL can hold: Host %j', async (host) => {
    const head = await headWith(host, '/old');
    expect(head).toMatch(/^HTTP\/1\.1 400/);
    expect(head).not.toContain('location:');
  });

  it.each(['::1', '::1:8080', 'a b', 'x/y'])('falls back to the listener for Host %j', async (host) => {
    const head = await headWith(host, '/old');
    expect(head).toMatch(/^HTTP\/1\.1 302/);
    expect(head).toContain(`location: ${app.url}/new`);
  });
});
