/**
 * What the client says when the answer is not Portico's (an HTML page from a proxy, a hostile server's
 * control characters), when the URL is malformed, and when the URL's scheme does not match the port's
 * protocol: one printable line, and exit 75 only where trying again may help.
 */
import { createServer as createHttpServer, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestCa } from '../../test/helpers/certificates.js';
import type { PorticoError } from '../shared/errors.js';
import { request, TRY_AGAIN_EXIT_CODE } from './http.js';

let server: Server | undefined;

afterEach(async () => {
  await new Promise<void>((resolve) => (server === undefined ? resolve() : server.close(() => resolve())));
  server = undefined;
});

async function listen(created: Server): Promise<number> {
  server = created;
  await new Promise<void>((resolve) => created.listen(0, '127.0.0.1', resolve));
  return (created.address() as AddressInfo).port;
}

async function serve(answer: (res: ServerResponse) => void): Promise<string> {
  return `http://127.0.0.1:${await listen(createHttpServer((_req, res) => answer(res)))}`;
}

const GET = { method: 'GET', path: '/subscriptions/x' } as const;

function failureOf(url: string): Promise<PorticoError> {
  return request({ url, token: 't' }, GET).then(
    () => {
      throw new Error('answered');
    },
    (error: PorticoError) => error,
  );
}

/** nginx's `return 502;` page, as it sends it. */
const NGINX_502 =
  '<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx/1.24.0</center>\r\n</body>\r\n</html>\r\n';

describe('an answer that is not Portico JSON', () => {
  it('says in one line that something other than Portico answered an HTML page, and what to check', async () => {
    let status = 502;
    const url = await serve((res) => {
      res.writeHead(status, { 'content-type': 'text/html' });
      res.end(NGINX_502.replaceAll('502 Bad Gateway', `${status} Page`));
    });
    for (const code of [502, 503, 504, 301, 401, 404, 500]) {
      status = code;
      const error = await failureOf(url);
      expect(error.message).not.toContain('\n');
      expect(error.message).not.toContain('<html>');
      expect(error.message).toContain(`answered ${code} `);
      expect(error.message).toContain(`("${code} Page")`);
      expect(error.message).toContain('something other than Portico answered (a proxy');
      expect(error.message).toContain('--url (or PORTICO_URL) is the admin address of portico serve');
      expect(error.exitCode).toBe(code >= 502 ? TRY_AGAIN_EXIT_CODE : undefined);
    }
  });

  it('knows an HTML page without a content-type by how it starts', async () => {
    const url = await serve((res) => res.writeHead(500).end('<!DOCTYPE html>\n<p>Oops</p>'));
    expect((await failureOf(url)).message).toContain('something other than Portico answered');
  });

  it("keeps none of a server's control characters, in a text body or in a JSON error", async () => {
    const url = await serve((res) => res.writeHead(500).end('oops\u001b[2J\u001b]0;pwned\u0007\r\nline two'));
    expect((await failureOf(url)).message).toMatch(/: oops\[2J\]0;pwned line two$/);
    await new Promise<void>((resolve) => server?.close(() => resolve()));
    const json = await serve((res) => {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          error: {
            code: 'X',
            message: 'Refused\u001b[31m red\rover',
            details: [{ path: 'a\u001b', message: 'bad\nvery' }],
          },
        }),
      );
    });
    expect((await failureOf(json)).message).toBe('Refused[31m red\nover\n  a: bad very');
  });
});

describe('a URL that cannot work', () => {
  it('refuses a malformed URL as a usage error (exit 1), its password masked', async () => {
    for (const url of [
      'http://u:s3cret@127.0.0.1:99999',
      'http://u:s3cret@[::1:4281',
      'http://u:s3cret%zz@127.0.0.1:4281',
      'http://u:s3cret%@127.0.0.1:4281',
    ]) {
      const error = await failureOf(url);
      expect(error.code).toBe('CLIENT_URL_INVALID');
      expect(error.exitCode).toBeUndefined();
      expect(error.message).toContain('is malformed');
      expect(error.message).toContain('u:***@');
      expect(error.message).not.toContain('s3cret');
    }
  });

  it('says an https:// URL reached a plain HTTP port, in one line and with exit 1', async () => {
    const url = await serve((res) => res.end('{}'));
    const error = await failureOf(url.replace('http:', 'https:'));
    expect(error.code).toBe('CLIENT_PROTOCOL_MISMATCH');
    expect(error.exitCode).toBeUndefined();
    expect(error.message).toBe(
      `The server at ${url.replace('http:', 'https:')} did not answer with TLS: that port serves plain HTTP. Try ${url} in --url or PORTICO_URL.`,
    );
  });

  it('says an http:// URL reached a TLS port', async () => {
    const pair = await (await createTestCa()).issue(['localhost']);
    const port = await listen(createHttpsServer(pair, (_req, res) => res.end('{}')));
    const error = await failureOf(`http://127.0.0.1:${port}`);
    expect(error.code).toBe('CLIENT_PROTOCOL_MISMATCH');
    expect(error.exitCode).toBeUndefined();
    expect(error.message).toContain(`Try https://127.0.0.1:${port} in --url or PORTICO_URL.`);
  });
});

describe('an https:// server whose certificate is not trusted here', () => {
  it('says so with the fix, in one line and with exit 1 (it said "Is portico serve running?" with exit 75)', async () => {
    const pair = await (await createTestCa('Someone Else CA')).issue(['localhost']);
    const port = await listen(createHttpsServer(pair, (_req, res) => res.end('{}')));
    const error = await failureOf(`https://localhost:${port}`);
    expect(error.code).toBe('CLIENT_SERVER_UNTRUSTED');
    expect(error.exitCode).toBeUndefined();
    expect(error.message).toBe(
      `The server at https://localhost:${port} presented a certificate this machine does not trust: its issuer is not a CA this machine trusts (UNABLE_TO_VERIFY_LEAF_SIGNATURE). If the server uses your own CA or a self-signed certificate, run the command with NODE_EXTRA_CA_CERTS set to that CA’s (or certificate’s) PEM file.`,
    );
  });
});

describe('a route the server does not have', () => {
  it('says the server may run an older Portico than the CLI (an upgrade tester got a bare "No API route")', async () => {
    const url = await serve((res) => {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          error: {
            code: 'CONTROL_NOT_FOUND',
            message: 'No API route DELETE /deploy/v1/environments/pr5; see /openapi.json.',
          },
        }),
      );
    });
    const error = await failureOf(url);
    expect(error.message).toContain('No API route DELETE /deploy/v1/environments/pr5');
    expect(error.message).toContain('may run an older Portico than this CLI');
    expect(error.message).not.toContain('\n');
  });
});
