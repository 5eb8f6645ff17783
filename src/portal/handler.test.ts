import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Logger } from '../shared/logger.js';
import { createPortalHandler, PORTAL_SECURITY_HEADERS, type PortalHandlerOptions } from './index.js';

const ASSETS = fileURLToPath(new URL('./assets/', import.meta.url));

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A request with the path sent exactly as written (fetch would normalise `..` away). */
function raw(
  port: number,
  path: string,
  options: { method?: string; headers?: Record<string, string> } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path, method: options.method ?? 'GET', headers: options.headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

async function start(options?: PortalHandlerOptions): Promise<{ server: Server; port: number }> {
  const server = createServer(createPortalHandler(options));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

function stop(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

describe('portal handler', () => {
  let server: Server;
  let port: number;

  beforeAll(async () => {
    ({ server, port } = await start());
  });
  afterAll(() => stop(server));

  it('serves the page at / with the strict security headers', async () => {
    const response = await raw(port, '/');
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(response.headers['cache-control']).toBe('no-cache');
    expect(response.headers.etag).toMatch(/^"[0-9a-f]{32}"$/);
    expect(response.headers['content-security-policy']).toBe(
      "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    );
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['referrer-policy']).toBe('no-referrer');
    expect(response.body).toContain('<script type="module" src="/portal/portal.js"></script>');
  });

  it('serves the scripts, styles and icon under /portal/ with their content types', async () => {
    const types: Record<string, string> = {
      '/portal/portal.js': 'text/javascript; charset=utf-8',
      '/portal/api.js': 'text/javascript; charset=utf-8',
      '/portal/portal.css': 'text/css; charset=utf-8',
      '/portal/favicon.svg': 'image/svg+xml',
    };
    for (const [path, type] of Object.entries(types)) {
      const response = await raw(port, `${path}?v=1`);
      expect(response.status, path).toBe(200);
      expect(response.headers['content-type'], path).toBe(type);
      expect(response.headers['content-security-policy'], path).toBe(
        PORTAL_SECURITY_HEADERS['content-security-policy'],
      );
    }
  });

  it("serves uPlot's module and stylesheet from its npm package under fixed names (decision 0032)", async () => {
    const script = await raw(port, '/portal/uplot.js');
    expect(script.status).toBe(200);
    expect(script.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(script.body).toContain('export { uPlot as default }');
    expect(script.headers['content-security-policy']).toBe(
      PORTAL_SECURITY_HEADERS['content-security-policy'],
    );
    const style = await raw(port, '/portal/uplot.css');
    expect(style.status).toBe(200);
    expect(style.headers['content-type']).toBe('text/css; charset=utf-8');
    expect(style.body).toContain('.uplot');
    expect((await raw(port, '/portal/uPlot.esm.js')).status).toBe(404);
  });

  it('answers 304 to a matching If-None-Match (strong, weak, listed or *), with the ETag', async () => {
    const { headers } = await raw(port, '/portal/portal.css');
    const etag = String(headers.etag);
    for (const condition of [etag, `W/${etag}`, `"other", ${etag}`, '*']) {
      const response = await raw(port, '/portal/portal.css', { headers: { 'if-none-match': condition } });
      expect(response.status, condition).toBe(304);
      expect(response.body).toBe('');
      expect(response.headers.etag).toBe(etag);
      expect(response.headers['cache-control']).toBe('no-cache');
    }
    const changed = await raw(port, '/portal/portal.css', { headers: { 'if-none-match': '"other"' } });
    expect(changed.status).toBe(200);
  });

  it('answers HEAD with the headers of GET and no body', async () => {
    const get = await raw(port, '/');
    const head = await raw(port, '/', { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
    expect(head.headers['content-length']).toBe(String(Buffer.byteLength(get.body)));
    expect(head.headers.etag).toBe(get.headers.etag);
  });

  it('refuses other methods on portal paths with 405 and Allow', async () => {
    for (const [method, path] of [
      ['POST', '/'],
      ['PUT', '/portal/portal.js'],
      ['DELETE', '/'],
    ] as const) {
      const response = await raw(port, path, { method });
      expect(response.status, `${method} ${path}`).toBe(405);
      expect(response.headers.allow).toBe('GET, HEAD');
      expect(JSON.parse(response.body)).toMatchObject({ error: { code: 'CONTROL_METHOD_NOT_ALLOWED' } });
    }
  });

  it('answers anything else with the API error shape and a pointer to / and /openapi.json', async () => {
    const response = await raw(port, '/nope?x=1', { method: 'POST' });
    expect(response.status).toBe(404);
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(JSON.parse(response.body)).toEqual({
      error: {
        code: 'CONTROL_NOT_FOUND',
        message:
          'No page or API route POST /nope; the portal is at / and the API is described by /openapi.json.',
      },
    });
  });

  it('serves only the files of its folder, whatever the path spelling', async () => {
    const attempts = [
      '/portal/../handler.ts',
      '/portal/%2e%2e/handler.ts',
      '/portal/%2E%2E%2Fhandler.ts',
      '/portal/..%2fhandler.ts',
      '/portal/..%5chandler.ts',
      '/portal/assets/portal.js',
      '/portal//portal.js',
      '/portal/',
      '/portal',
      '/index.html',
      '/handler.ts',
      '/portal/%70ortal.js',
      '/portal/portal.js%00',
    ];
    for (const path of attempts) {
      const response = await raw(port, path);
      expect(response.status, path).toBe(404);
      expect(response.body, path).not.toContain('createPortalHandler');
      expect(JSON.parse(response.body), path).toMatchObject({ error: { code: 'CONTROL_NOT_FOUND' } });
    }
  });

  it('says the portal is missing (and logs why once) when its folder cannot be read', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'portico-portal-'));
    const warnings: string[] = [];
    const logger: Logger = { debug() {}, info() {}, warn: (m) => warnings.push(m), error() {} };
    const missing = await start({ assetsDir: join(dir, 'absent'), logger });
    try {
      const response = await raw(missing.port, '/');
      expect(response.status).toBe(404);
      expect(JSON.parse(response.body)).toMatchObject({
        error: { code: 'CONTROL_NOT_FOUND', message: expect.stringContaining('reinstall Portico') },
      });
      expect(warnings).toEqual([expect.stringContaining("the portal's files cannot be read")]);
    } finally {
      await stop(missing.server);
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('portal assets', () => {
  const files = readdirSync(ASSETS);
  const read = (name: string) => readFileSync(join(ASSETS, name), 'utf8');

  it('have no inline script, inline style or event-handler attribute (the CSP forbids them)', () => {
    const html = read('index.html');
    for (const tag of html.match(/<script\b[^>]*>/g) ?? []) {
      expect(tag).toMatch(/\bsrc="\/portal\/[a-z-]+\.js"/);
    }
    expect(html).not.toMatch(/<style\b|\sstyle=|\son[a-z]+=/i);
  });

  it('load nothing from other origins and never parse API data as HTML', () => {
    for (const name of files) {
      const text = read(name).replaceAll('http://www.w3.org/2000/svg', '');
      expect(text, name).not.toMatch(/(?:src|href)=["']?(?:https?:)?\/\//i);
      expect(text, name).not.toMatch(/@import|url\(\s*['"]?(?:https?:)?\/\//i);
      if (name.endsWith('.js')) {
        expect(text, name).not.toMatch(
          /innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function/,
        );
      }
    }
  });

  it('import only sibling modules that exist', () => {
    for (const name of files.filter((f) => f.endsWith('.js'))) {
      for (const [, target] of read(name).matchAll(/from '\.\/([^']+)'/g)) {
        expect(files, `${name} imports ${target}`).toContain(target);
      }
    }
  });
});
