/**
 * Every policy of Portico's gateway as a caller sees it, one API per behaviour: check-header, ip-filter,
 * cors preflight before the key check, return-response, mock-response, rewrite-uri, set-query-parameter,
 * set-header with expressions, set-backend-service, forward-request timeout, on-error, the four scopes
 * joined by `<base/>`, named values (plain and secret, changed while running), validate-jwt with inline
 * keys and with the openid-config of a real identity server on loopback (key rotation, required claims),
 * rate-limit, rate-limit-by-key with an increment condition, quota and quota-by-key. Real sockets, real
 * SQLite, a real backend.
 * @see spec/apim.md §1.3, §2; issue 5 "Gateway data plane"
 */
import { createServer, type Server } from 'node:http';
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeServer, listen } from '../../src/edge/index.js';
import { type Backend, type EchoRequest, startBackend } from '../helpers/backend.js';
import { PROVIDERS_PATH, removeData, startTestService, type TestService } from '../helpers/service.js';

const SVC = `${PROVIDERS_PATH}/Microsoft.ApiManagement/service/pol`;
const HOST = 'pol.azure-api.portico.test';

type KeyPair = Awaited<ReturnType<typeof generateKeyPair>>;

/** A minimal real OpenID provider: discovery document and JWKS, with a key that can be rotated. */
interface IdentityServer {
  readonly issuer: string;
  readonly configUrl: string;
  /** How many times the JWKS was read. */
  readonly jwksRequests: number;
  sign(claims: Record<string, unknown>, kid?: string): Promise<string>;
  rotate(): Promise<void>;
  close(): Promise<void>;
}

async function newKey(kid: string): Promise<{ kid: string; pair: KeyPair; jwk: JWK }> {
  const pair = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(pair.publicKey)), kid, alg: 'RS256', use: 'sig' };
  return { kid, pair, jwk };
}

async function startIdentityServer(): Promise<IdentityServer> {
  let issuer = '';
  const state = {
    keys: [await newKey('k1')],
    jwksRequests: 0,
  };
  const server: Server = createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    if (req.url === '/.well-known/openid-configuration') {
      return res.end(JSON.stringify({ issuer, jwks_uri: `${issuer}/keys` }));
    }
    if (req.url === '/keys') {
      state.jwksRequests += 1;
      return res.end(JSON.stringify({ keys: state.keys.map((k) => k.jwk) }));
    }
    res.statusCode = 404;
    res.end('{}');
  });
  issuer = `http://127.0.0.1:${await listen(server, 0, '127.0.0.1')}`;
  const identity: IdentityServer = {
    issuer,
    configUrl: `${issuer}/.well-known/openid-configuration`,
    get jwksRequests() {
      return state.jwksRequests;
    },
    async sign(claims, kid) {
      const key = state.keys.find((k) => k.kid === (kid ?? state.keys[0]?.kid)) ?? state.keys[0];
      if (key === undefined) {
        throw new Error('no key');
      }
      return new SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256', kid: key.kid })
        .setIssuer(issuer)
        .setIssuedAt()
        .setExpirationTime('10m')
        .sign(key.pair.privateKey);
    },
    async rotate() {
      state.keys = [await newKey(`k${state.keys.length + 1}`)];
    },
    close: () => closeServer(server),
  };
  return identity;
}

const policies = (inbound: string, rest = '') =>
  `<policies>\n  <inbound>\n    ${inbound}\n  </inbound>\n  ${rest}\n</policies>`;

describe('gateway policies over real sockets', () => {
  let t: TestService;
  let backend: Backend;
  let identity: IdentityServer;
  let inlineKey: { kid: string; pair: KeyPair; jwk: JWK };
  let masterKey = '';
  const productKeys = new Map<string, string>();

  async function put(path: string, properties?: unknown): Promise<void> {
    const response = await t.admin(
      'PUT',
      `${SVC}${path}`,
      properties === undefined ? undefined : { properties },
    );
    expect([200, 201], `${path}: ${response.text}`).toContain(response.status);
  }
  /** An API at `path` (open unless `subscriptionRequired`) with one operation per [method, template]. */
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
  const policy = (scopePath: string, value: string) =>
    put(`${scopePath}/policies/policy`, { format: 'rawxml', value });
  async function product(id: string, apis: string[], subscriptions: string[] = []): Promise<void> {
    await put(`/products/${id}`, { subscriptionRequired: true, state: 'published' });
    for (const apiId of apis) {
      await put(`/products/${id}/apis/${apiId}`);
    }
    for (const sub of subscriptions) {
      await put(`/subscriptions/${sub}`, { scope: `/products/${id}`, state: 'active' });
      const secrets = await t.admin('POST', `${SVC}/subscriptions/${sub}/listSecrets`);
      productKeys.set(sub, secrets.json<{ primaryKey: string }>().primaryKey);
    }
  }
  const call = (path: string, headers: Record<string, string> = {}, method = 'GET') =>
    t.get(HOST, path, { method, headers });
  const withKey = (sub: string) => ({ 'ocp-apim-subscription-key': productKeys.get(sub) ?? '' });
  const last = () => backend.requests.at(-1) as EchoRequest;

  beforeAll(async () => {
    t = await startTestService();
    backend = await startBackend();
    identity = await startIdentityServer();
    inlineKey = await newKey('inline');
    expect((await t.admin('PUT', SVC, { properties: {} })).status).toBe(201);
    masterKey = (await t.admin('POST', `${SVC}/subscriptions/master/listSecrets`)).json<{
      primaryKey: string;
    }>().primaryKey;
  });

  afterAll(async () => {
    await t?.close();
    await backend?.close();
    await identity?.close();
    await removeData(t?.dataDir ?? '');
  });

  it('check-header: 403 with the header named when it is missing or has a value not listed', async () => {
    await api('hdr');
    await policy(
      '/apis/hdr',
      policies(
        '<base />\n    <check-header name="X-Tenant" failed-check-httpcode="403" ignore-case="true"><value>alpha</value><value>beta</value></check-header>',
      ),
    );
    const missing = await call('/hdr/x');
    expect(missing.status).toBe(403);
    expect(missing.json()).toEqual({
      statusCode: 403,
      message: 'Header X-Tenant was not found in the request. Access denied.',
    });
    const wrong = await call('/hdr/x', { 'x-tenant': 'gamma' });
    expect(wrong.json()).toEqual({
      statusCode: 403,
      message: 'Header X-Tenant value of gamma is not allowed. Access denied.',
    });
    expect((await call('/hdr/x', { 'x-tenant': 'ALPHA' })).status).toBe(200);
    expect(last().headers['x-tenant']).toBe('ALPHA');
  });

  it('check-header: a custom failure message replaces the default', async () => {
    await api('hdr2');
    await policy(
      '/apis/hdr2',
      policies(
        '<check-header name="X-Key" failed-check-httpcode="401" failed-check-error-message="Send X-Key." />',
      ),
    );
    expect((await call('/hdr2/x')).json()).toEqual({ statusCode: 401, message: 'Send X-Key.' });
    expect((await call('/hdr2/x', { 'x-key': 'anything' })).status).toBe(200);
  });

  it('ip-filter: forbids or allows the caller by address and range', async () => {
    await api('ipdeny');
    await policy(
      '/apis/ipdeny',
      policies('<ip-filter action="forbid"><address>127.0.0.1</address></ip-filter>'),
    );
    const denied = await call('/ipdeny/x');
    expect(denied.status).toBe(403);
    expect(denied.json()).toEqual({
      statusCode: 403,
      message: 'Caller IP address 127.0.0.1 is not allowed. Access denied.',
    });
    await api('ipallow');
    await policy(
      '/apis/ipallow',
      policies(
        '<ip-filter action="allow"><address-range from="127.0.0.0" to="127.255.255.255" /></ip-filter>',
      ),
    );
    expect((await call('/ipallow/x')).status).toBe(200);
    await api('ipother');
    await policy(
      '/apis/ipother',
      policies('<ip-filter action="allow"><address>10.1.2.3</address></ip-filter>'),
    );
    expect((await call('/ipother/x')).status).toBe(403);
  });

  it('cors: answers a preflight before the key check, and adds CORS headers to real calls', async () => {
    await api('cors', { subscriptionRequired: true });
    await policy(
      '/apis/cors',
      policies(
        '<cors><allowed-origins><origin>https://app.example</origin></allowed-origins><allowed-methods preflight-result-max-age="120"><method>GET</method><method>POST</method></allowed-methods><allowed-headers><header>content-type</header><header>ocp-apim-subscription-key</header></allowed-headers><expose-headers><header>x-from-api</header></expose-headers></cors>',
      ),
    );
    const before = backend.requests.length;
    const preflight = await call(
      '/cors/items',
      {
        origin: 'https://app.example',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type, ocp-apim-subscription-key',
      },
      'OPTIONS',
    );
    expect(preflight.status).toBe(200);
    expect(preflight.headers['access-control-allow-origin']).toBe('https://app.example');
    expect(String(preflight.headers['access-control-allow-methods'])).toContain('POST');
    expect(preflight.headers['access-control-max-age']).toBe('120');
    expect(backend.requests.length).toBe(before);
    const strange = await call(
      '/cors/items',
      { origin: 'https://evil.example', 'access-control-request-method': 'GET' },
      'OPTIONS',
    );
    expect(strange.headers['access-control-allow-origin']).toBeUndefined();
    expect((await call('/cors/items', { origin: 'https://app.example' })).status).toBe(401);
    const real = await call('/cors/items', {
      origin: 'https://app.example',
      'ocp-apim-subscription-key': masterKey,
    });
    expect(real.status).toBe(200);
    expect(real.headers['access-control-allow-origin']).toBe('https://app.example');
    expect(String(real.headers['access-control-expose-headers'])).toContain('x-from-api');
    // A simple call from an origin not allowed ends with an empty 200, the backend not called (APIM's
    // terminate-unmatched-request, true by default); with it false, the call goes on without CORS headers.
    const calls = backend.requests.length;
    const unmatched = await call('/cors/items', {
      origin: 'https://evil.example',
      'ocp-apim-subscription-key': masterKey,
    });
    expect(unmatched.status).toBe(200);
    expect(unmatched.text).toBe('');
    expect(backend.requests.length).toBe(calls);
    await policy(
      '/apis/cors',
      policies(
        '<cors terminate-unmatched-request="false"><allowed-origins><origin>https://app.example</origin></allowed-origins></cors>',
      ),
    );
    const passed = await call('/cors/items', {
      origin: 'https://evil.example',
      'ocp-apim-subscription-key': masterKey,
    });
    expect(passed.status).toBe(200);
    expect(passed.headers['access-control-allow-origin']).toBeUndefined();
    expect(backend.requests.length).toBe(calls + 1);
  });

  it('return-response: answers at once with its status, headers and body; the backend is not called', async () => {
    await api('ret');
    await policy(
      '/apis/ret',
      policies(
        '<return-response><set-status code="418" reason="I am a teapot" /><set-header name="X-Answered-By" exists-action="override"><value>@(context.Request.Method)</value></set-header><set-body>short and stout</set-body></return-response>\n    <set-header name="X-Never"><value>1</value></set-header>',
      ),
    );
    const before = backend.requests.length;
    const response = await call('/ret/anything');
    expect(response.status).toBe(418);
    expect(response.headers['x-answered-by']).toBe('GET');
    expect(response.text).toBe('short and stout');
    expect(backend.requests.length).toBe(before);
  });

  it('mock-response: answers with the status and content type without calling the backend', async () => {
    await api('mock');
    await policy(
      '/apis/mock',
      policies('<mock-response status-code="202" content-type="application/json" />'),
    );
    const before = backend.requests.length;
    const response = await call('/mock/x');
    expect(response.status).toBe(202);
    expect(response.headers['content-type']).toContain('application/json');
    expect(backend.requests.length).toBe(before);
  });

  it('rewrite-uri, set-query-parameter and set-header change what the backend receives', async () => {
    await api('rw', { operations: [['GET', '/orders/{id}']] });
    await policy(
      '/apis/rw/operations/op0',
      policies(
        '<base />\n    <rewrite-uri template="/v2/items/{id}?source=gateway" />\n    <set-query-parameter name="api-version" exists-action="skip"><value>2024-01-01</value></set-query-parameter>\n    <set-query-parameter name="debug" exists-action="delete" />\n    <set-header name="X-Method" exists-action="override"><value>@(context.Request.Method)</value></set-header>\n    <set-header name="X-Tenant" exists-action="override"><value>@(context.Request.Headers.GetValueOrDefault("X-Org", "none"))</value></set-header>\n    <set-header name="X-Drop" exists-action="delete" />',
      ),
    );
    const response = await call('/rw/orders/42?keep=1&debug=true', {
      'x-drop': 'secret',
      'x-org': 'contoso',
    });
    expect(response.status).toBe(200);
    const seen = new URL(last().url, 'http://x');
    expect(seen.pathname).toBe('/api/v2/items/42');
    expect(Object.fromEntries(seen.searchParams)).toEqual({
      keep: '1',
      source: 'gateway',
      'api-version': '2024-01-01',
    });
    expect(last().headers['x-method']).toBe('GET');
    expect(last().headers['x-tenant']).toBe('contoso');
    expect(last().headers['x-drop']).toBeUndefined();
    await call('/rw/orders/7?api-version=1999');
    expect(new URL(last().url, 'http://x').searchParams.get('api-version')).toBe('1999');
  });

  it('set-header Host gives the backend call that Host (a backend that routes by name); without it, the backend’s own', async () => {
    await api('named', { operations: [['GET', '/a']] });
    const backendHost = new URL(backend.url).host;
    await call('/named/a');
    expect(last().headers.host).toBe(backendHost);
    await policy(
      '/apis/named',
      policies(
        '<set-header name="Host" exists-action="override"><value>orders.internal.example</value></set-header>',
      ),
    );
    expect((await call('/named/a')).status).toBe(200);
    expect(last().headers.host).toBe('orders.internal.example');
    await policy('/apis/named', policies('<set-header name="Host" exists-action="delete" />'));
    await call('/named/a');
    expect(last().headers.host).toBe(backendHost);
  });

  it('rewrite-uri with copy-unmatched-params="false" drops the caller’s other query parameters', async () => {
    await api('rw2', { operations: [['GET', '/a']] });
    await policy(
      '/apis/rw2',
      policies('<rewrite-uri template="/b?fixed=1" copy-unmatched-params="false" />'),
    );
    await call('/rw2/a?secret=x');
    expect(last().url).toBe('/api/b?fixed=1');
  });

  it('set-backend-service sends the call to another base URL, and set-header works on the response', async () => {
    await api('sbs', { serviceUrl: 'http://127.0.0.1:9/nowhere' });
    await policy(
      '/apis/sbs',
      policies(
        `<set-backend-service base-url="${backend.url}/elsewhere" />`,
        '<outbound><base /><set-header name="X-From-Api" exists-action="delete" /><set-header name="X-Gateway" exists-action="override"><value>portico</value></set-header></outbound>',
      ),
    );
    const response = await call('/sbs/thing?q=1');
    expect(response.status).toBe(200);
    expect(last().url).toBe('/elsewhere/thing?q=1');
    expect(response.headers['x-from-api']).toBeUndefined();
    expect(response.headers['x-gateway']).toBe('portico');
  });

  it('forward-request timeout: a slow backend becomes a 500 after the timeout', async () => {
    await api('slow');
    await policy('/apis/slow', '<policies><backend><forward-request timeout="1" /></backend></policies>');
    const started = Date.now();
    const response = await call('/slow/slow');
    expect(response.status).toBe(500);
    expect(response.json()).toEqual({ statusCode: 500, message: 'Internal server error' });
    expect(Date.now() - started).toBeLessThan(9_000);
  });

  it('a backend that cannot be reached is a 500, and on-error can replace or decorate the answer', async () => {
    await api('down', { serviceUrl: 'http://127.0.0.1:9/api' });
    const response = await call('/down/x');
    expect(response.status).toBe(500);
    expect(response.json()).toEqual({ statusCode: 500, message: 'Internal server error' });
    await api('fallback', { serviceUrl: 'http://127.0.0.1:9/api' });
    await policy(
      '/apis/fallback',
      policies(
        '<base />',
        '<on-error><return-response><set-status code="503" /><set-header name="Retry-After"><value>30</value></set-header><set-body>{"error":"try later"}</set-body></return-response></on-error>',
      ),
    );
    const replaced = await call('/fallback/x');
    expect(replaced.status).toBe(503);
    expect(replaced.headers['retry-after']).toBe('30');
    expect(replaced.text).toBe('{"error":"try later"}');
    await api('decorated');
    await policy(
      '/apis/decorated',
      policies(
        '<check-header name="X-Needed" failed-check-httpcode="400" />',
        '<on-error><set-header name="X-Error-Handled" exists-action="override"><value>yes</value></set-header></on-error>',
      ),
    );
    const decorated = await call('/decorated/x');
    expect(decorated.status).toBe(400);
    expect(decorated.headers['x-error-handled']).toBe('yes');
    expect(decorated.json()).toEqual({
      statusCode: 400,
      message: 'Header X-Needed was not found in the request. Access denied.',
    });
  });

  it('runs global, product, API and operation policies in the order their <base/> elements say', async () => {
    await api('layers', { subscriptionRequired: true, operations: [['GET', '/x']] });
    await product('layered', ['layers'], ['layered-sub']);
    const append = (value: string) =>
      `<set-header name="X-Trace" exists-action="append"><value>${value}</value></set-header>`;
    await policy('', policies(append('global')));
    await policy('/products/layered', policies(`<base />\n    ${append('product')}`));
    await policy('/apis/layers', policies(`${append('api-first')}\n    <base />\n    ${append('api-last')}`));
    await policy('/apis/layers/operations/op0', policies(`<base />\n    ${append('operation')}`));
    expect((await call('/layers/x', withKey('layered-sub'))).status).toBe(200);
    const trace = String(last().headers['x-trace'])
      .split(',')
      .map((s) => s.trim());
    expect(trace).toEqual(['api-first', 'global', 'product', 'api-last', 'operation']);
    // An operation that leaves out <base/> replaces everything above it.
    await policy('/apis/layers/operations/op0', policies(append('operation-only')));
    await call('/layers/x', withKey('layered-sub'));
    expect(last().headers['x-trace']).toBe('operation-only');
    await policy('', policies('<base />'));
  });

  it('named values, plain and secret, are used in running calls and follow their changes', async () => {
    await put('/namedValues/tenant', { displayName: 'tenant', value: 'contoso', secret: false });
    await put('/namedValues/backend-secret', {
      displayName: 'backend-secret',
      value: 's3cr3t&<x>',
      secret: true,
    });
    await api('nv');
    await policy(
      '/apis/nv',
      policies(
        '<set-header name="X-Tenant" exists-action="override"><value>{{tenant}}</value></set-header>\n    <set-header name="X-Secret" exists-action="override"><value>{{backend-secret}}</value></set-header>',
      ),
    );
    await call('/nv/x');
    expect(last().headers['x-tenant']).toBe('contoso');
    expect(last().headers['x-secret']).toBe('s3cr3t&<x>');
    const listed = await t.admin('GET', `${SVC}/namedValues/backend-secret`);
    expect(listed.text).not.toContain('s3cr3t');
    await put('/namedValues/tenant', { displayName: 'tenant', value: 'fabrikam', secret: false });
    await call('/nv/x');
    expect(last().headers['x-tenant']).toBe('fabrikam');
    const refused = await t.admin('DELETE', `${SVC}/namedValues/tenant`);
    expect(refused.status).toBe(409);
    expect(refused.text).toContain('{{tenant}}');
  });

  it('validate-jwt with inline n/e keys: audiences, issuers, expiry and custom failures', async () => {
    await api('jwt');
    const { n, e } = inlineKey.jwk;
    await policy(
      '/apis/jwt',
      policies(
        `<validate-jwt header-name="Authorization" failed-validation-httpcode="401"><issuer-signing-keys><key n="${n}" e="${e}" /></issuer-signing-keys><audiences><audience>api://orders</audience></audiences><issuers><issuer>https://issuer.example</issuer></issuers></validate-jwt>`,
      ),
    );
    const sign = (claims: Record<string, unknown>, expires: string | number = '5m', key = inlineKey) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: 'RS256' })
        .setIssuer('https://issuer.example')
        .setAudience('api://orders')
        .setExpirationTime(expires)
        .sign(key.pair.privateKey);
    const good = await sign({ sub: 'u1' });
    expect((await call('/jwt/x', { authorization: `Bearer ${good}` })).status).toBe(200);
    expect(last().headers.authorization).toBe(`Bearer ${good}`);
    const missing = await call('/jwt/x');
    expect(missing.status).toBe(401);
    expect(missing.json()).toEqual({ statusCode: 401, message: 'JWT not present.' });
    const expired = await call('/jwt/x', {
      authorization: `Bearer ${await sign({}, Math.floor(Date.now() / 1000) - 60)}`,
    });
    expect(expired.status).toBe(401);
    expect(expired.json<{ message: string }>().message).toMatch(/expired.*Access denied\.$/i);
    const otherKey = await newKey('other');
    const forged = await call('/jwt/x', { authorization: `Bearer ${await sign({}, '5m', otherKey)}` });
    expect(forged.status).toBe(401);
    expect(forged.json<{ message: string }>().message).toMatch(/signature/i);
    const wrongAudience = await new SignJWT({})
      .setProtectedHeader({ alg: 'RS256' })
      .setIssuer('https://issuer.example')
      .setAudience('api://other')
      .setExpirationTime('5m')
      .sign(inlineKey.pair.privateKey);
    const audience = await call('/jwt/x', { authorization: `Bearer ${wrongAudience}` });
    expect(audience.status).toBe(401);
    expect(audience.json<{ message: string }>().message).toMatch(/audience/i);
    for (const junk of ['Bearer', 'Bearer a.b', 'Basic dXNlcjpwdw==', `Bearer ${'x'.repeat(5000)}`]) {
      expect((await call('/jwt/x', { authorization: junk })).status).toBe(401);
    }
  });

  it('validate-jwt from a query parameter, with a custom status and message', async () => {
    await api('jwtq');
    const { n, e } = inlineKey.jwk;
    await policy(
      '/apis/jwtq',
      policies(
        `<validate-jwt query-parameter-name="access_token" failed-validation-httpcode="403" failed-validation-error-message="Token refused." require-expiration-time="false"><issuer-signing-keys><key n="${n}" e="${e}" /></issuer-signing-keys></validate-jwt>`,
      ),
    );
    const token = await new SignJWT({ sub: 'q' })
      .setProtectedHeader({ alg: 'RS256' })
      .sign(inlineKey.pair.privateKey);
    expect((await call(`/jwtq/x?access_token=${token}`)).status).toBe(200);
    expect((await call('/jwtq/x?access_token=nope')).json()).toEqual({
      statusCode: 403,
      message: 'Token refused.',
    });
  });

  it('validate-jwt with the openid-config of a real identity server: claims, and a rotated key', async () => {
    await api('oidc');
    await policy(
      '/apis/oidc',
      policies(
        `<validate-jwt header-name="Authorization"><openid-config url="${identity.configUrl}" /><issuers><issuer>${identity.issuer}</issuer></issuers><required-claims><claim name="roles" match="any"><value>admin</value><value>ops</value></claim><claim name="scp" match="all" separator=" "><value>read</value><value>write</value></claim></required-claims></validate-jwt>`,
      ),
    );
    const ok = await identity.sign({ roles: ['reader', 'ops'], scp: 'read write other' });
    expect((await call('/oidc/x', { authorization: `Bearer ${ok}` })).status).toBe(200);
    const noRole = await identity.sign({ roles: ['reader'], scp: 'read write' });
    const refused = await call('/oidc/x', { authorization: `Bearer ${noRole}` });
    expect(refused.status).toBe(401);
    expect(refused.json<{ message: string }>().message).toMatch(/claim/i);
    const partial = await identity.sign({ roles: ['admin'], scp: 'read' });
    expect((await call('/oidc/x', { authorization: `Bearer ${partial}` })).status).toBe(401);
    // The provider starts signing with a key its JWKS did not have when the gateway loaded it: the
    // token is refused, naming the kid (the reload for an unknown kid, at most once per 5 minutes, is
    // covered with a moving clock in src/gateway/jwt/openid.test.ts).
    await identity.rotate();
    const rotated = await identity.sign({ roles: ['admin'], scp: 'read write' });
    const unknown = await call('/oidc/x', { authorization: `Bearer ${rotated}` });
    expect(unknown.status).toBe(401);
    expect(unknown.json<{ message: string }>().message).toContain("Unable to match key kid: 'k2'");
    expect(identity.jwksRequests).toBe(1);
  });

  it('rate-limit: per subscription, 429 with Retry-After, remaining-calls header', async () => {
    await api('rl', { subscriptionRequired: true });
    await product('limited', ['rl'], ['rl-a', 'rl-b']);
    await policy(
      '/apis/rl',
      policies('<rate-limit calls="2" renewal-period="60" remaining-calls-header-name="X-Remaining" />'),
    );
    const first = await call('/rl/x', withKey('rl-a'));
    expect(first.status).toBe(200);
    expect(first.headers['x-remaining']).toBe('1');
    expect((await call('/rl/x', withKey('rl-a'))).status).toBe(200);
    const limited = await call('/rl/x', withKey('rl-a'));
    expect(limited.status).toBe(429);
    const retryAfter = Number(limited.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(limited.json()).toEqual({
      statusCode: 429,
      message: `Rate limit is exceeded. Try again in ${retryAfter} seconds.`,
    });
    expect((await call('/rl/x', withKey('rl-b'))).status).toBe(200);
  });

  it('rate-limit-by-key counts only calls that meet the increment condition', async () => {
    await api('rlk');
    await policy(
      '/apis/rlk',
      policies(
        '<rate-limit-by-key calls="1" renewal-period="60" counter-key="@(context.Request.Headers.GetValueOrDefault(&quot;X-Client&quot;, &quot;anon&quot;))" increment-condition="@(context.Response.StatusCode &gt;= 200 &amp;&amp; context.Response.StatusCode &lt; 300)" />',
      ),
    );
    const client = { 'x-client': 'c1' };
    expect((await call('/rlk/teapot', client)).status).toBe(418);
    expect((await call('/rlk/teapot', client)).status).toBe(418);
    expect((await call('/rlk/ok', client)).status).toBe(200);
    expect((await call('/rlk/ok', client)).status).toBe(429);
    expect((await call('/rlk/ok', { 'x-client': 'c2' })).status).toBe(200);
  });

  it('quota at product scope: 403 with the replenish time and Retry-After', async () => {
    await api('q', { subscriptionRequired: true });
    await product('quoted', ['q'], ['q-a']);
    await policy('/products/quoted', policies('<base />\n    <quota calls="2" renewal-period="3600" />'));
    expect((await call('/q/x', withKey('q-a'))).status).toBe(200);
    expect((await call('/q/x', withKey('q-a'))).status).toBe(200);
    const over = await call('/q/x', withKey('q-a'));
    expect(over.status).toBe(403);
    const retryAfter = Number(over.headers['retry-after']);
    // Periods are fixed windows of renewal-period seconds, so the wait is at most one period.
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(3600);
    const hms = [Math.floor(retryAfter / 3600), Math.floor((retryAfter % 3600) / 60), retryAfter % 60]
      .map((n) => String(n).padStart(2, '0'))
      .join(':');
    expect(over.json()).toEqual({
      statusCode: 403,
      message: `Out of call volume quota. Quota will be replenished in ${hms}.`,
    });
  });

  /** @see multinode QA: a subscription created again under its name kept the old one's exhausted quota. */
  it('quota: a subscription deleted and created again under the same name starts with a fresh quota', async () => {
    await api('qa', { subscriptionRequired: true });
    await product('quotedagain', ['qa'], ['qa-sub']);
    await policy(
      '/products/quotedagain',
      policies('<base />\n    <quota calls="1" renewal-period="3600" />'),
    );
    expect((await call('/qa/x', withKey('qa-sub'))).status).toBe(200);
    expect((await call('/qa/x', withKey('qa-sub'))).status).toBe(403);
    expect([200, 204]).toContain((await t.admin('DELETE', `${SVC}/subscriptions/qa-sub`)).status);
    await product('quotedagain', ['qa'], ['qa-sub']);
    expect((await call('/qa/x', withKey('qa-sub'))).status).toBe(200);
    expect((await call('/qa/x', withKey('qa-sub'))).status).toBe(403);
  });

  /** @see multinode QA: a gateway created again under its name kept the old one's exhausted counters. */
  it('a service deleted and created again under the same name starts with fresh quotas and rate limits', async () => {
    const again = `${PROVIDERS_PATH}/Microsoft.ApiManagement/service/again`;
    const host = 'again.azure-api.portico.test';
    const create = async () => {
      expect((await t.admin('PUT', again, { properties: {} })).status).toBe(201);
      const puts: [string, unknown][] = [
        ['/apis/a', { path: 'a', serviceUrl: `${backend.url}/api`, subscriptionRequired: true }],
        ['/apis/a/operations/all', { method: 'GET', urlTemplate: '/*' }],
        ['/products/p', { subscriptionRequired: true, state: 'published' }],
        ['/products/p/apis/a', undefined],
        ['/subscriptions/s', { scope: '/products/p', state: 'active' }],
        [
          '/products/p/policies/policy',
          {
            format: 'rawxml',
            value: policies(
              '<base />\n    <quota calls="1" renewal-period="3600" />\n    <rate-limit calls="1" renewal-period="60" />',
            ),
          },
        ],
        [
          '/apis/a/policies/policy',
          {
            format: 'rawxml',
            value: policies(
              '<base />\n    <rate-limit-by-key calls="1" renewal-period="60" counter-key="@(context.Request.IpAddress)" />\n    <quota-by-key calls="1" renewal-period="300" counter-key="@(context.Request.IpAddress)" />',
            ),
          },
        ],
      ];
      for (const [path, properties] of puts) {
        const response = await t.admin(
          'PUT',
          `${again}${path}`,
          properties === undefined ? undefined : { properties },
        );
        expect([200, 201], `${path}: ${response.text}`).toContain(response.status);
      }
      const secrets = await t.admin('POST', `${again}/subscriptions/s/listSecrets`);
      return { 'ocp-apim-subscription-key': secrets.json<{ primaryKey: string }>().primaryKey };
    };
    const first = await create();
    expect((await t.get(host, '/a/x', { headers: first })).status).toBe(200);
    expect((await t.get(host, '/a/x', { headers: first })).status).not.toBe(200);
    expect([200, 202, 204]).toContain((await t.admin('DELETE', again)).status);
    const second = await create();
    expect((await t.get(host, '/a/x', { headers: second })).status).toBe(200);
  });

  it('refuses an invalid use of each policy when it is saved, naming the element and its line, and keeps the old policy', async () => {
    await api('strict');
    await policy(
      '/apis/strict',
      policies('<set-header name="X-Kept" exists-action="override"><value>1</value></set-header>'),
    );
    const invalid: [string, string][] = [
      ['validate-jwt', '<validate-jwt header-name="Authorization" />'],
      ['check-header', '<check-header name="X-A" />'],
      ['ip-filter', '<ip-filter action="allow" />'],
      ['rate-limit', '<rate-limit calls="0" renewal-period="60" />'],
      ['rate-limit-by-key', '<rate-limit-by-key calls="1" renewal-period="60" />'],
      ['quota', '<quota calls="1" renewal-period="60" />'],
      ['quota-by-key', '<quota-by-key renewal-period="300" counter-key="k" />'],
      ['set-header', '<set-header name="X-A" exists-action="replace"><value>1</value></set-header>'],
      ['set-query-parameter', '<set-query-parameter name="a" />'],
      ['rewrite-uri', '<rewrite-uri template="no-slash" />'],
      ['set-backend-service', '<set-backend-service base-url="not a url" />'],
      ['cors', '<cors><allowed-origins><domain>x</domain></allowed-origins></cors>'],
      ['return-response', '<return-response response-variable-name="r" />'],
      ['mock-response', '<mock-response status-code="abc" />'],
      ['forward-request', '<forward-request timeout="5" />'],
    ];
    for (const [name, element] of invalid) {
      const response = await t.admin('PUT', `${SVC}/apis/strict/policies/policy`, {
        properties: { format: 'rawxml', value: policies(`<base />\n    ${element}`) },
      });
      expect(response.status, name).toBe(400);
      const error = response.json<{ error: { code: string; message: string; details: { path: string }[] } }>()
        .error;
      expect(error.code, name).toBe('CONTROL_POLICY_INVALID');
      expect(error.details[0]?.path, name).toMatch(/^line 4, column \d+$/);
      expect(JSON.stringify(error), name).toContain(name);
    }
    await call('/strict/x');
    expect(last().headers['x-kept']).toBe('1');
  });

  it('quota-by-key: each key has its own volume, and increment-count weighs a call', async () => {
    await api('qk');
    // The period starts now, so no period ends between the calls below.
    const start = new Date().toISOString();
    await policy(
      '/apis/qk',
      policies(
        `<quota-by-key calls="3" renewal-period="300" increment-count="2" first-period-start="${start}" counter-key="@(context.Request.Headers.GetValueOrDefault(&quot;X-Client&quot;, &quot;anon&quot;))" />`,
      ),
    );
    expect((await call('/qk/x', { 'x-client': 'a' })).status).toBe(200);
    const over = await call('/qk/x', { 'x-client': 'a' });
    expect(over.status).toBe(403);
    expect(over.json<{ message: string }>().message).toMatch(/^Out of call volume quota\./);
    expect((await call('/qk/x', { 'x-client': 'b' })).status).toBe(200);
  });
});
