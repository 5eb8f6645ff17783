/**
 * Policy semantics checked against Azure's policy reference, as a caller and an operator see them:
 * rewrite-uri's template parameters and copied query parameters (and a `..` value that must not move the
 * call out of the API's path), quota and rate-limit counters that survive edits of the policy text, the
 * bandwidth quota counting streamed bodies, mock-response ending the call, one backend call however
 * scopes compose forward-request, ip-filter with IPv4-mapped IPv6 written in hex, and child elements
 * checked on save. Real sockets, real SQLite, real backends.
 * @see spec/apim.md §2, §2.1; decision 0108
 */
import { createServer, type IncomingMessage, request, type Server } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeServer, listen } from '../../src/edge/index.js';
import { type Backend, type EchoRequest, startBackend } from '../helpers/backend.js';
import { PROVIDERS_PATH, removeData, startTestService, type TestService } from '../helpers/service.js';

const SVC = `${PROVIDERS_PATH}/Microsoft.ApiManagement/service/sem`;
const HOST = 'sem.azure-api.portico.test';

const policies = (inbound: string, rest = '') =>
  `<policies>\n  <inbound>\n    ${inbound}\n  </inbound>\n  ${rest}\n</policies>`;

/** A backend that answers `/…/<n>` with n bytes, chunked (no Content-Length), and records the calls. */
interface StreamingBackend {
  readonly url: string;
  readonly calls: { url: string; body: string }[];
  close(): Promise<void>;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString();
}

async function startStreamingBackend(): Promise<StreamingBackend> {
  const calls: { url: string; body: string }[] = [];
  const server: Server = createServer(async (req, res) => {
    calls.push({ url: req.url ?? '', body: await readBody(req) });
    const size = Number((req.url ?? '').split('/').at(-1)) || 0;
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    const chunk = Buffer.alloc(1024, 'x');
    for (let sent = 0; sent < size; sent += chunk.length) {
      res.write(chunk.subarray(0, Math.min(chunk.length, size - sent)));
    }
    res.end();
  });
  const port = await listen(server, 0, '127.0.0.1');
  return { url: `http://127.0.0.1:${port}`, calls, close: () => closeServer(server) };
}

describe('policy semantics as in Azure API Management', () => {
  let t: TestService;
  let backend: Backend;
  let streaming: StreamingBackend;
  const keys = new Map<string, string>();

  async function put(path: string, properties?: unknown): Promise<void> {
    const response = await t.admin(
      'PUT',
      `${SVC}${path}`,
      properties === undefined ? undefined : { properties },
    );
    expect([200, 201], `${path}: ${response.text}`).toContain(response.status);
  }
  async function api(
    id: string,
    options: { subscriptionRequired?: boolean; serviceUrl?: string; operations?: [string, string][] } = {},
  ): Promise<void> {
    await put(`/apis/${id}`, {
      path: id,
      serviceUrl: options.serviceUrl ?? `${backend.url}/api`,
      subscriptionRequired: options.subscriptionRequired ?? false,
    });
    for (const [i, [method, template]] of (options.operations ?? [['GET', '/*']]).entries()) {
      await put(`/apis/${id}/operations/op${i}`, { method, urlTemplate: template });
    }
  }
  const savePolicy = (scopePath: string, value: string) =>
    t.admin('PUT', `${SVC}${scopePath}/policies/policy`, { properties: { format: 'rawxml', value } });
  async function policy(scopePath: string, value: string): Promise<void> {
    const response = await savePolicy(scopePath, value);
    expect([200, 201], `${scopePath}: ${response.text}`).toContain(response.status);
  }
  async function product(id: string, apis: string[], subscriptions: string[] = []): Promise<void> {
    await put(`/products/${id}`, { subscriptionRequired: true, state: 'published' });
    for (const apiId of apis) {
      await put(`/products/${id}/apis/${apiId}`);
    }
    for (const sub of subscriptions) {
      await put(`/subscriptions/${sub}`, { scope: `/products/${id}`, state: 'active' });
      const secrets = await t.admin('POST', `${SVC}/subscriptions/${sub}/listSecrets`);
      keys.set(sub, secrets.json<{ primaryKey: string }>().primaryKey);
    }
  }
  const call = (path: string, headers: Record<string, string> = {}, method = 'GET', body?: string) =>
    t.get(HOST, path, { method, headers, ...(body === undefined ? {} : { body }) });
  const withKey = (sub: string) => ({ 'ocp-apim-subscription-key': keys.get(sub) ?? '' });
  const last = () => backend.requests.at(-1) as EchoRequest;
  /** A POST whose body goes in chunks (no Content-Length); resolves with the status. */
  const postChunked = (path: string, headers: Record<string, string>, parts: string[]) =>
    new Promise<number>((resolve, reject) => {
      const req = request(
        `${t.service.url}${path}`,
        { method: 'POST', headers: { ...headers, host: `${HOST}:${t.service.port}` } },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', reject);
      for (const part of parts) {
        req.write(part);
      }
      req.end();
    });
  type Refusal = { error: { code: string; details: { path: string; message: string }[] } };

  beforeAll(async () => {
    t = await startTestService();
    backend = await startBackend();
    streaming = await startStreamingBackend();
    expect((await t.admin('PUT', SVC, { properties: {} })).status).toBe(201);
  });

  afterAll(async () => {
    await t?.close();
    await backend?.close();
    await streaming?.close();
    await removeData(t?.dataDir ?? '');
  });

  describe('rewrite-uri', () => {
    it('copies only the query parameters the operation template does not name (Azure’s /get?a={b} → /put?c=d)', async () => {
      await api('rwq', { operations: [['GET', '/get?a={b}']] });
      await policy('/apis/rwq/operations/op0', policies('<base />\n    <rewrite-uri template="/put" />'));
      expect((await call('/rwq/get?a=b&c=d')).status).toBe(200);
      expect(last().url).toBe('/api/put?c=d');
    });

    it('fills a placeholder bound to a query parameter of the operation template', async () => {
      await api('rwb', { operations: [['GET', '/get?a={b}']] });
      await policy(
        '/apis/rwb/operations/op0',
        policies('<base />\n    <rewrite-uri template="/put/{b}" copy-unmatched-params="false" />'),
      );
      await call('/rwb/get?a=hello%20world&c=d');
      expect(last().url).toBe('/api/put/hello%20world');
    });

    it('refuses on save a placeholder that is not a parameter of the operation, with its line', async () => {
      await api('rwc', { operations: [['GET', '/items/{id}']] });
      const refused = await savePolicy(
        '/apis/rwc/operations/op0',
        policies('<base />\n    <rewrite-uri template="/v2/{id}/{tenant}" />'),
      );
      expect(refused.status).toBe(400);
      const error = refused.json<Refusal>().error;
      expect(error.code).toBe('CONTROL_POLICY_INVALID');
      expect(error.details[0]?.path).toMatch(/^line 4, column \d+$/);
      expect(error.details[0]?.message).toContain('{tenant}');
      expect(error.details[0]?.message).toContain('{id}');
      await policy('/apis/rwc/operations/op0', policies('<base />\n    <rewrite-uri template="/v2/{id}" />'));
      await call('/rwc/items/7');
      expect(last().url).toBe('/api/v2/7');
    });

    it('fails closed (500) when a policy above the operation uses a parameter the operation lacks', async () => {
      await api('rwd', {
        operations: [
          ['GET', '/items/{id}'],
          ['GET', '/other'],
        ],
      });
      await policy('/apis/rwd', policies('<base />\n    <rewrite-uri template="/v2/{id}" />'));
      await call('/rwd/items/7');
      expect(last().url).toBe('/api/v2/7');
      const before = backend.requests.length;
      const other = await call('/rwd/other?id=../../admin');
      expect(other.status).toBe(500);
      expect(other.json()).toEqual({ statusCode: 500, message: 'Internal server error' });
      expect(backend.requests.length).toBe(before);
    });

    it('never lets a value of . or .. move the call out of the API’s path', async () => {
      await api('rws', { operations: [['GET', '/search?q={q}']] });
      await policy(
        '/apis/rws/operations/op0',
        policies('<base />\n    <rewrite-uri template="/{q}/secret" copy-unmatched-params="false" />'),
      );
      for (const value of ['..', '.', '%2E%2E', '.%2e']) {
        expect((await call(`/rws/search?q=${value}`)).status).toBe(200);
        const path = last().url;
        expect(path, value).toMatch(/^\/api\/%252E(%252E)?\/secret$/);
        expect(new URL(path, 'http://backend.test').pathname, value).toBe(path);
      }
      await call('/rws/search?q=a%2Fb');
      expect(last().url).toBe('/api/a%2Fb/secret');
    });

    it('sends a value of . or .. in the template’s query part encoded once, as Azure does', async () => {
      await api('rwv', { operations: [['GET', '/get?a={b}']] });
      await policy(
        '/apis/rwv/operations/op0',
        policies('<base />\n    <rewrite-uri template="/put?c={b}" />'),
      );
      for (const [sent, received] of [
        ['..', '/api/put?c=..'],
        ['.', '/api/put?c=.'],
        ['%2E%2E', '/api/put?c=..'],
        ['x%26y%3Dz', '/api/put?c=x%26y%3Dz'],
      ]) {
        expect((await call(`/rwv/get?a=${sent}`)).status).toBe(200);
        expect(last().url, sent).toBe(received);
      }
    });
  });

  it('ip-filter: an IPv4-mapped IPv6 address written in hex forbids the IPv4 caller it maps', async () => {
    await api('iphex');
    await policy(
      '/apis/iphex',
      policies('<ip-filter action="forbid"><address>::ffff:7f00:1</address></ip-filter>'),
    );
    const denied = await call('/iphex/x');
    expect(denied.status).toBe(403);
    expect(denied.json<{ message: string }>().message).toMatch(/^Caller IP address .* is not allowed/);
  });

  describe('rate-limit and quota counters', () => {
    it('quota: an edit of the product policy that keeps the quota keeps every subscription’s count', async () => {
      await api('qe', { subscriptionRequired: true });
      await product('qedit', ['qe'], ['qe-sub']);
      await policy('/products/qedit', policies('<base />\n    <quota calls="2" renewal-period="3600" />'));
      expect((await call('/qe/x', withKey('qe-sub'))).status).toBe(200);
      // A comment and another policy above it move the quota two lines down: the same quota.
      await policy(
        '/products/qedit',
        policies(
          '<base />\n    <!-- limits -->\n    <set-header name="X-Plan" exists-action="override"><value>basic</value></set-header>\n    <quota calls="2" renewal-period="3600" />',
        ),
      );
      expect((await call('/qe/x', withKey('qe-sub'))).status).toBe(200);
      expect((await call('/qe/x', withKey('qe-sub'))).status).toBe(403);
      // A higher limit applies to what was counted.
      await policy('/products/qedit', policies('<base />\n    <quota calls="3" renewal-period="3600" />'));
      expect((await call('/qe/x', withKey('qe-sub'))).status).toBe(200);
      expect((await call('/qe/x', withKey('qe-sub'))).status).toBe(403);
    });

    it('rate-limit: an edit of the API policy that keeps the limit keeps the count', async () => {
      await api('rle', { subscriptionRequired: true });
      await product('rledit', ['rle'], ['rle-sub']);
      await policy('/apis/rle', policies('<rate-limit calls="2" renewal-period="300" />'));
      expect((await call('/rle/x', withKey('rle-sub'))).status).toBe(200);
      await policy(
        '/apis/rle',
        policies('<!-- burst guard -->\n    <rate-limit calls="2" renewal-period="300" />'),
      );
      expect((await call('/rle/x', withKey('rle-sub'))).status).toBe(200);
      expect((await call('/rle/x', withKey('rle-sub'))).status).toBe(429);
    });

    it('quota: periods start when the subscription was created, not at the epoch', async () => {
      await api('qs', { subscriptionRequired: true });
      await product('qstart', ['qs'], ['qs-sub']);
      const created = Date.parse(
        (await t.admin('GET', `${SVC}/subscriptions/qs-sub`)).json<{ properties: { createdDate: string } }>()
          .properties.createdDate,
      );
      expect(Number.isNaN(created)).toBe(false);
      const period = 7 * 86_400;
      await policy(
        '/products/qstart',
        policies(`<base />\n    <quota calls="1" renewal-period="${period}" />`),
      );
      expect((await call('/qs/x', withKey('qs-sub'))).status).toBe(200);
      const before = Date.now();
      const over = await call('/qs/x', withKey('qs-sub'));
      const after = Date.now();
      expect(over.status).toBe(403);
      // The first period ends one renewal-period after the subscription's creation.
      const retryAfter = Number(over.headers['retry-after']);
      expect(retryAfter).toBeGreaterThanOrEqual(Math.ceil((created + period * 1000 - after) / 1000));
      expect(retryAfter).toBeLessThanOrEqual(Math.ceil((created + period * 1000 - before) / 1000));
    });
  });

  describe('bandwidth quota', () => {
    it('counts a streamed (chunked) response body', async () => {
      await api('bwr', { subscriptionRequired: true, serviceUrl: `${streaming.url}/api` });
      await product('bwresp', ['bwr'], ['bwr-sub']);
      await policy(
        '/products/bwresp',
        policies('<base />\n    <quota bandwidth="5" renewal-period="3600" />'),
      );
      const first = await call('/bwr/n/3000', withKey('bwr-sub'));
      expect(first.status).toBe(200);
      expect(first.headers['content-length']).toBeUndefined();
      expect(first.text.length).toBe(3000);
      // 2.9 KB of 5 counted: the next call is admitted, and brings the total over the quota.
      expect((await call('/bwr/n/3000', withKey('bwr-sub'))).status).toBe(200);
      const over = await call('/bwr/n/3000', withKey('bwr-sub'));
      expect(over.status).toBe(403);
      expect(over.json<{ message: string }>().message).toMatch(/^Out of bandwidth quota\./);
    });

    it('counts a chunked request body', async () => {
      await api('bwq', {
        subscriptionRequired: true,
        serviceUrl: `${streaming.url}/api`,
        operations: [['POST', '/*']],
      });
      await product('bwreq', ['bwq'], ['bwq-sub']);
      await policy(
        '/products/bwreq',
        policies('<base />\n    <quota bandwidth="5" renewal-period="3600" />'),
      );
      const body = ['a'.repeat(1500), 'b'.repeat(1500)];
      expect(await postChunked('/bwq/n/0', withKey('bwq-sub'), body)).toBe(200);
      expect(streaming.calls.at(-1)?.body).toBe(body.join(''));
      expect(await postChunked('/bwq/n/0', withKey('bwq-sub'), body)).toBe(200);
      expect(await postChunked('/bwq/n/0', withKey('bwq-sub'), body)).toBe(403);
    });
  });

  it('calls the backend once when scopes compose two forward-requests, with the whole body', async () => {
    await api('dup', { operations: [['POST', '/*']] });
    await policy('', '<policies><backend><forward-request /></backend></policies>');
    await policy(
      '/apis/dup/operations/op0',
      '<policies><backend><forward-request timeout="30" /><base /></backend></policies>',
    );
    const before = backend.requests.length;
    const response = await call('/dup/x', { 'content-type': 'text/plain' }, 'POST', 'the only body');
    expect(response.status).toBe(200);
    expect(backend.requests.length).toBe(before + 1);
    expect(last().body).toBe('the only body');
    expect([200, 204]).toContain((await t.admin('DELETE', `${SVC}/policies/policy`)).status);
  });

  it('mock-response ends the call: no later policy, no outbound, no content type unless given', async () => {
    await api('mk');
    await policy(
      '/apis/mk',
      policies(
        '<mock-response status-code="201" />\n    <return-response><set-status code="418" /></return-response>',
        '<outbound><set-header name="X-Outbound" exists-action="override"><value>ran</value></set-header></outbound>',
      ),
    );
    const before = backend.requests.length;
    const mocked = await call('/mk/x');
    expect(mocked.status).toBe(201);
    expect(mocked.headers['x-outbound']).toBeUndefined();
    expect(mocked.headers['content-type']).toBeUndefined();
    expect(mocked.text).toBe('');
    expect(backend.requests.length).toBe(before);
    await policy('/apis/mk', policies('<mock-response status-code="200" content-type="application/xml" />'));
    expect((await call('/mk/x')).headers['content-type']).toBe('application/xml');
  });

  it('return-response: refuses on save what it would not send as written, and sends the reason phrase', async () => {
    await api('rr');
    await policy(
      '/apis/rr',
      policies('<set-header name="X-Kept" exists-action="override"><value>1</value></set-header>'),
    );
    const refused = await savePolicy(
      '/apis/rr',
      policies(
        '<return-response>\n      <set-status code="200" bogus="1" />\n      <set-body template="liquid">Hello {% if body.name %}you{% endif %}</set-body>\n      <set-body>second</set-body>\n    </return-response>',
      ),
    );
    expect(refused.status).toBe(400);
    const details = refused.json<Refusal>().error.details;
    expect(details.map((d) => d.path.replace(/, column \d+$/, ''))).toEqual(['line 4', 'line 5', 'line 6']);
    expect(details[0]?.message).toContain('it takes code, reason');
    expect(details[1]?.message).toContain('template="liquid"');
    expect(details[2]?.message).toContain('only once');
    await call('/rr/x');
    expect(last().headers['x-kept']).toBe('1');
    await policy(
      '/apis/rr',
      policies(
        '<return-response><set-status code="403" reason="Plan Exhausted" /><set-body>no</set-body></return-response>',
      ),
    );
    const statusLine = await new Promise<string>((resolve, reject) => {
      const req = request(
        `${t.service.url}/rr/x`,
        { headers: { host: `${HOST}:${t.service.port}` } },
        (res) => {
          res.resume();
          resolve(`${res.statusCode} ${res.statusMessage}`);
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(statusLine).toBe('403 Plan Exhausted');
  });

  it('return-response: a Latin-1 reason phrase and header value go out as one byte a character', async () => {
    await api('rl1');
    await policy(
      '/apis/rl1',
      policies(
        '<return-response><set-status code="418" reason="Caf&#233;" /><set-header name="X-Place" exists-action="override"><value>Caf&#233;</value></set-header><set-body>tea</set-body></return-response>',
      ),
    );
    const head = await rawHead(t.service.port, `GET /rl1/x HTTP/1.1\r\nHost: ${HOST}\r\n\r\n`);
    const lines = head.toString('latin1').split('\r\n');
    expect(lines[0]).toBe('HTTP/1.1 418 Caf\u00e9');
    expect(lines).toContain('x-place: Caf\u00e9');
    expect(head.includes(Buffer.from('Caf\u00e9', 'utf8'))).toBe(false);
  });
});

/** Sends `requestText` over a raw socket to `port`; resolves with the bytes of the answer's head. */
function rawHead(port: number, requestText: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(requestText));
    let received = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      const end = received.indexOf('\r\n\r\n');
      if (end !== -1) {
        socket.destroy();
        resolve(received.subarray(0, end));
      }
    });
    socket.on('error', reject);
    socket.on('close', () => reject(new Error('the connection closed before the head was read')));
  });
}
