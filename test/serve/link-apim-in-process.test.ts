/**
 * A site linked to a gateway of the same `portico serve` process runs the gateway pipeline in process:
 * the data-plane listener accepts no second connection for it, the client, the gateway and the backend
 * share one request id, and the gateway's own metrics still count the call. Its refusals and policy
 * answers are the same bytes as through the gateway's own host, and the backend receives exactly the
 * headers it received over the HTTP hop (the same data folder served again with the hop). Real sockets,
 * real SQLite, a real backend on loopback.
 * @see issue 16 item 3; decision 0027; spec/apim.md §3–4; spec/swa-behaviour.md §3.4
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { Agent, request as httpRequest } from 'node:http';
import { connect, type Socket } from 'node:net';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, writeApp } from '../helpers/app.js';
import { type Backend, type EchoRequest, startBackend } from '../helpers/backend.js';
import {
  ADMIN_TOKEN,
  deployFolders,
  PROVIDERS_PATH,
  removeData,
  SITES_PATH,
  startTestService,
  type TestService,
} from '../helpers/service.js';

const APIM = `${PROVIDERS_PATH}/Microsoft.ApiManagement/service/contoso`;
const GATEWAY = 'contoso.azure-api.portico.test';
const BUCKET_POLICY =
  '<policies><inbound><base /><rate-limit-by-key calls="1" renewal-period="60" counter-key="@(context.Request.Headers.GetValueOrDefault(&quot;X-Bucket&quot;, &quot;none&quot;))" remaining-calls-header-name="X-Remaining" /></inbound><backend><base /></backend><outbound><base /></outbound><on-error><base /></on-error></policies>';
const ECHO_POLICY =
  '<policies><inbound><base /></inbound><backend><base /></backend><outbound><base /><set-header name="X-Context-Id" exists-action="override"><value>@(context.RequestId)</value></set-header></outbound><on-error><base /></on-error></policies>';
const TEAPOT_POLICY =
  '<policies><inbound><base /></inbound><backend><base /></backend><outbound><base /><set-header name="X-Policy" exists-action="override"><value>@(context.Request.Method)</value></set-header><set-header name="X-From-Api" exists-action="delete" /></outbound><on-error><base /></on-error></policies>';

/** Configures the site `shop`, the service `contoso` and the link; answers the site's host name. */
async function configure(t: TestService, backend: Backend): Promise<string> {
  const put = async (path: string, properties?: object) => {
    const answer = await t.admin('PUT', path, properties === undefined ? undefined : { properties });
    expect([200, 201], `${path}: ${answer.text}`).toContain(answer.status);
    return answer;
  };
  const site = await t.admin('PUT', `${SITES_PATH}/shop`, { sku: { name: 'Standard' } });
  const { defaultHostname, apiKey } = site.json<{
    properties: { defaultHostname: string; apiKey: string };
  }>().properties;
  expect((await deployFolders(t.service, apiKey, await writeApp({ 'index.html': 'shop' }))).status).toBe(200);
  await put(APIM, {});
  await put(`${APIM}/apis/products`, { path: 'api', serviceUrl: `${backend.url}/api` });
  for (const [id, template] of [
    ['echo', '/echo'],
    ['teapot', '/teapot'],
    ['limited', '/limited'],
  ]) {
    await put(`${APIM}/apis/products/operations/${id}`, { method: 'GET', urlTemplate: template });
  }
  await put(`${APIM}/apis/products/operations/limited/policies/policy`, {
    format: 'rawxml',
    value: BUCKET_POLICY,
  });
  await put(`${APIM}/apis/products/operations/echo/policies/policy`, {
    format: 'rawxml',
    value: ECHO_POLICY,
  });
  await put(`${APIM}/apis/products/operations/teapot/policies/policy`, {
    format: 'rawxml',
    value: TEAPOT_POLICY,
  });
  // An API whose key travels in another header: the link's key is not read, so the key is missing.
  await put(`${APIM}/apis/renamed`, {
    path: 'api/renamed',
    serviceUrl: `${backend.url}/api`,
    subscriptionKeyParameterNames: { header: 'X-Other-Key', query: 'okey' },
  });
  await put(`${APIM}/apis/renamed/operations/any`, { method: 'GET', urlTemplate: '/*' });
  await put(`${SITES_PATH}/shop/linkedBackends/contoso`, {
    backendResourceId: APIM,
    backendType: 'apim',
  });
  const product = `swa-${defaultHostname.split('.')[0]}`;
  await put(`${APIM}/products/${product}/apis/products`);
  await put(`${APIM}/products/${product}/apis/renamed`);
  return defaultHostname;
}

/** The whole answer to a request on a fresh connection, as bytes on the wire (`Connection: close`). */
function exchange(
  port: number,
  host: string,
  path: string,
  headers: Record<string, string> = {},
  method = 'GET',
) {
  return new Promise<string>((resolve, reject) => {
    const socket: Socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const fields = Object.entries({ ...headers, host: `${host}:${port}`, connection: 'close' });
    socket.on('connect', () =>
      socket.write(`${method} ${path} HTTP/1.1\r\n${fields.map(([n, v]) => `${n}: ${v}\r\n`).join('')}\r\n`),
    );
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('end', () => resolve(Buffer.concat(chunks).toString('latin1')));
    socket.on('error', reject);
  });
}

/** The values that differ from call to call by nature (the clock and the random request id) blanked. */
function stable(answer: string): string {
  return answer.replace(/^(date|x-ms-request-id): .*$/gim, '$1: …');
}

/** Connections the listener on `port` accepts while `run` runs. */
async function countAccepted(port: number, run: () => Promise<void>): Promise<number> {
  let accepted = 0;
  const onSocket = (message: unknown) => {
    if ((message as { socket: Socket }).socket.localPort === port) {
      accepted += 1;
    }
  };
  subscribe('net.server.socket', onSocket);
  try {
    await run();
  } finally {
    unsubscribe('net.server.socket', onSocket);
  }
  return accepted;
}

/** A GET on a keep-alive agent; answers status, headers and body. */
function keepAliveGet(agent: Agent, port: number, host: string, path: string) {
  return new Promise<{ status: number; requestId: string; contextId: string }>((resolve, reject) => {
    const req = httpRequest(
      { agent, port, host: '127.0.0.1', path, headers: { host: `${host}:${port}` } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            requestId: String(res.headers['x-ms-request-id']),
            contextId: String(res.headers['x-context-id']),
          }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('portico serve: a linked gateway of the same process runs in process', () => {
  let t: TestService;
  let backend: Backend;
  let host: string;
  let masterKey: string;
  const lastRequest = (): EchoRequest => backend.requests.at(-1) as EchoRequest;

  beforeAll(async () => {
    t = await startTestService();
    backend = await startBackend();
    host = await configure(t, backend);
    masterKey = (await t.admin('POST', `${APIM}/subscriptions/master/listSecrets`)).json<{
      primaryKey: string;
    }>().primaryKey;
  });

  afterAll(async () => {
    await t?.close();
    await backend?.close();
    await removeData(t?.dataDir ?? '');
  });

  it('answers the site’s /api with no connection of its own to the listener, under one request id', async () => {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const answers: { status: number; requestId: string; contextId: string }[] = [];
    const seen: EchoRequest[] = [];
    const accepted = await countAccepted(t.service.port, async () => {
      for (let i = 0; i < 3; i += 1) {
        answers.push(await keepAliveGet(agent, t.service.port, host, `/api/echo?n=${i}`));
        seen.push(lastRequest());
      }
    });
    agent.destroy();
    expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200]);
    // The client's one keep-alive connection; the HTTP hop would have opened another.
    expect(accepted).toBe(1);
    for (const [i, answer] of answers.entries()) {
      expect(seen[i]?.url).toBe(`/api/echo?n=${i}`);
      expect(seen[i]?.headers['x-ms-request-id']).toBe(answer.requestId);
      expect(answer.contextId).toBe(answer.requestId);
    }
  });

  it('gives context.RequestId the id the client gets on the gateway’s own host too', async () => {
    const answer = await t.get(GATEWAY, '/api/echo', { headers: { 'ocp-apim-subscription-key': masterKey } });
    expect(answer.status).toBe(200);
    expect(answer.headers['x-context-id']).toMatch(/^[0-9a-f]{32}$/);
    expect(answer.headers['x-context-id']).toBe(answer.headers['x-ms-request-id']);
  });

  it('refuses a declared body over 30 MB with the edge’s 413, before the gateway', async () => {
    const before = backend.requests.length;
    const answer = await exchange(
      t.service.port,
      host,
      '/api/echo',
      { 'content-length': '40000000' },
      'POST',
    );
    expect(answer).toMatch(/^HTTP\/1\.1 413 /);
    expect(answer).toContain('"code":"PROXY_BODY_TOO_LARGE"');
    expect(backend.requests.length).toBe(before);
  });

  it('counts the call in the gateway’s metrics, and no request on the gateway host', async () => {
    const before = await readMetrics(t);
    expect((await t.get(host, '/api/echo')).status).toBe(200);
    const after = await readMetrics(t);
    const change = (pattern: RegExp) => sumOf(after, pattern) - sumOf(before, pattern);
    expect(
      change(
        /^portico_gateway_calls_total\{service="contoso",api="products",product="swa-[^"]+",status="2xx"\}/,
      ),
    ).toBe(1);
    expect(change(/^portico_api_backend_duration_seconds_count\{outcome="ok"\}/)).toBe(1);
    expect(change(/^portico_http_requests_total\{[^}]*kind="api"/)).toBe(1);
    expect(change(/^portico_http_requests_total\{[^}]*kind="gateway"/)).toBe(0);
  });

  it("answers APIM's missing-key 401 with the same bytes as the gateway's own host", async () => {
    const viaSite = await exchange(t.service.port, host, '/api/renamed/x');
    const direct = await exchange(t.service.port, GATEWAY, '/api/renamed/x');
    expect(viaSite).toMatch(/^HTTP\/1\.1 401 /);
    expect(viaSite).toContain('Access denied due to missing subscription key.');
    expect(stable(viaSite)).toBe(stable(direct));
  });

  it('answers a rate limit’s 429 with the same bytes as the gateway’s own host', async () => {
    const site = { 'x-bucket': 'site' };
    const gateway = { 'x-bucket': 'direct', 'ocp-apim-subscription-key': masterKey };
    expect(await exchange(t.service.port, host, '/api/limited', site)).toMatch(/^HTTP\/1\.1 200 /);
    expect(await exchange(t.service.port, GATEWAY, '/api/limited', gateway)).toMatch(/^HTTP\/1\.1 200 /);
    const viaSite = await exchange(t.service.port, host, '/api/limited', site);
    const direct = await exchange(t.service.port, GATEWAY, '/api/limited', gateway);
    expect(viaSite).toMatch(/^HTTP\/1\.1 429 /);
    expect(viaSite).toMatch(/^retry-after: \d+\r$/im);
    expect(stable(viaSite)).toBe(stable(direct));
  });

  it('sends the headers an outbound policy set with the same bytes as the gateway’s own host', async () => {
    const viaSite = await exchange(t.service.port, host, '/api/teapot');
    const direct = await exchange(t.service.port, GATEWAY, '/api/teapot', {
      'ocp-apim-subscription-key': masterKey,
    });
    expect(viaSite).toMatch(/^HTTP\/1\.1 418 /);
    expect(viaSite).toMatch(/^x-policy: GET\r$/im);
    expect(viaSite).not.toMatch(/^x-from-api:/im);
    expect(viaSite).toContain('\r\n\r\nf\r\nshort and stout\r\n0\r\n\r\n');
    expect(stable(viaSite)).toBe(stable(direct));
  });
});

describe('portico serve: the backend of a linked gateway sees the same call in process as over the hop', () => {
  let backend: Backend;
  let dataDir = '';

  beforeAll(async () => {
    backend = await startBackend();
  });

  afterAll(async () => {
    await backend?.close();
    await removeData(dataDir);
  });

  /** What the backend received for one site call, on a service serving `dataDir` at `port`. */
  async function callThrough(t: TestService, host: string): Promise<EchoRequest> {
    const answer = await t.get(host, '/api/echo?color=red', {
      headers: { 'x-custom': 'one', 'x-forwarded-for': '203.0.113.7', accept: 'application/json' },
    });
    expect(answer.status).toBe(200);
    return lastOf(backend);
  }

  it('gives the backend the same header names, order and values either way', async () => {
    const first = await startTestService();
    dataDir = first.dataDir;
    const port = first.service.port;
    let inProcess: EchoRequest;
    let host: string;
    try {
      host = await configure(first, backend);
      inProcess = await callThrough(first, host);
    } finally {
      await first.close();
    }
    const second = await startTestService({ dataDir, extra: { port, inProcessGateway: false } });
    let overHop: EchoRequest;
    try {
      overHop = await callThrough(second, host);
    } finally {
      await second.close();
    }
    expect(comparable(inProcess)).toEqual(comparable(overHop));
    // The one difference (decision 0084): the gateway tells its backend the host it was called on, which
    // over the hop is its own; in process it is the site's, as the site's edge vouches for it.
    expect(inProcess.headers['x-forwarded-host']).toBe(`${host}:${port}`);
    expect(overHop.headers['x-forwarded-host']).toBe(GATEWAY);
    // What the client sent, the client as the site saw it, the site as the gateway saw it (the node's loopback).
    expect(inProcess.headers['x-forwarded-for']).toBe('203.0.113.7, 127.0.0.1, 127.0.0.1');
    expect(inProcess.headers['x-ms-original-url']).toBe(`http://${host}:${port}/api/echo?color=red`);
  });
});

/** The Prometheus text of the service. */
function readMetrics(t: TestService): Promise<string> {
  return fetch(`${t.service.adminUrl}/metrics`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } }).then(
    (answer) => answer.text(),
  );
}

/** The sum of the samples whose line matches `pattern`. */
function sumOf(metrics: string, pattern: RegExp): number {
  return metrics
    .split('\n')
    .filter((line) => pattern.test(line))
    .reduce((sum, line) => sum + Number(line.slice(line.lastIndexOf(' ') + 1)), 0);
}

function lastOf(backend: Backend): EchoRequest {
  return backend.requests.at(-1) as EchoRequest;
}

/**
 * The call with what differs by nature blanked: the request id, the token's times and id, and
 * `x-forwarded-host` (the host the gateway was called on: the site's in process, its own over the hop).
 */
function comparable(seen: EchoRequest): object {
  const token = String(seen.headers['x-ms-auth-token']);
  const { iat: _iat, exp: _exp, nbf: _nbf, jti: _jti, ...claims } = decodeJwt(token);
  const headers = Object.entries(seen.headers).map(([name, value]) => {
    if (name === 'x-ms-request-id') {
      return [name, typeof value === 'string' && /^[0-9a-f]{32}$/.test(value)];
    }
    if (name === 'authorization' || name === 'x-ms-auth-token') {
      return [name, String(value).endsWith(token)];
    }
    return [name, name === 'x-forwarded-host' ? typeof value : value];
  });
  return { method: seen.method, url: seen.url, headers, claims, body: seen.body };
}

describe('portico serve: a linked gateway in process keeps the site’s API timeout', () => {
  let t: TestService;
  let backend: Backend;
  let host: string;

  beforeAll(async () => {
    t = await startTestService({ extra: { apiTimeoutSeconds: 1 } });
    backend = await startBackend();
    host = await configure(t, backend);
    await t.admin('PUT', `${APIM}/apis/products/operations/slow`, {
      properties: { method: 'GET', urlTemplate: '/slow' },
    });
  });

  afterAll(async () => {
    await t?.close();
    await backend?.close();
    await removeData(t?.dataDir ?? '');
  });

  it('answers 500 Backend call failure when the gateway has not answered within --api-timeout', async () => {
    const answer = await t.get(host, '/api/slow');
    expect(answer.status).toBe(500);
    expect(answer.text).toBe('Backend call failure');
    const metrics = await fetch(`${t.service.adminUrl}/metrics`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    }).then((response) => response.text());
    expect(metrics).toMatch(/portico_api_backend_failures_total\{reason="timeout"\} 1/);
  });

  it('counts a call whose client left as aborted, not as a timeout', async () => {
    const metrics = () =>
      fetch(`${t.service.adminUrl}/metrics`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } }).then(
        (response) => response.text(),
      );
    const timeouts = async () =>
      /portico_api_backend_failures_total\{reason="timeout"\} (\d+)/.exec(await metrics())?.[1];
    const timeoutsBefore = await timeouts();
    const seen = backend.requests.length;
    const req = httpRequest({
      host: '127.0.0.1',
      port: t.service.port,
      path: '/api/slow?left=1',
      headers: { host: `${host}:${t.service.port}` },
    });
    req.on('error', () => undefined);
    req.end();
    await eventually(async () => backend.requests.length > seen);
    req.destroy();
    const aborted = /portico_api_backend_duration_seconds_count\{outcome="aborted"\} 1\n/;
    await eventually(async () => aborted.test(await metrics()), 10_000);
    // Not a timeout: nobody was left to answer 500 to.
    expect(await timeouts()).toBe(timeoutsBefore);
  });
});
