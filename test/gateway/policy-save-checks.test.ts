/**
 * Policies that would fail every call are refused when they are saved, with their line: header names
 * that are not HTTP tokens, header values with CR, LF or other characters HTTP forbids, and statuses
 * outside 200–599. Values only known per call (`@(…)` expressions) that turn out unsendable end that
 * call with APIM's 500 and a log line, never a broken response. Policy documents may be as large as
 * Azure allows (256 KB), and no error echoes a submitted document. Real sockets, real SQLite, a real
 * backend on loopback.
 * @see issue 13, item 5 (control-plane checks on save); spec/apim.md §2.1
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/shared/logger.js';
import { type Backend, startBackend } from '../helpers/backend.js';
import { PROVIDERS_PATH, removeData, startTestService, type TestService } from '../helpers/service.js';

const SVC = `${PROVIDERS_PATH}/Microsoft.ApiManagement/service/checks`;
const HOST = 'checks.azure-api.portico.test';

interface ErrorBody {
  error: { code: string; message: string; details?: { path: string; message: string }[] };
}

const inbound = (body: string) => `<policies>\n  <inbound>\n    ${body}\n  </inbound>\n</policies>`;
const outbound = (body: string) =>
  `<policies>\n  <inbound />\n  <backend>\n    <forward-request />\n  </backend>\n  <outbound>\n    ${body}\n  </outbound>\n</policies>`;

describe('policy documents: checks on save', () => {
  let t: TestService;
  let backend: Backend;
  const log: string[] = [];

  const putPolicy = (api: string, value: unknown) =>
    t.admin('PUT', `${SVC}/apis/${api}/policies/policy`, { properties: { format: 'rawxml', value } });
  const call = (path: string, headers: Record<string, string> = {}) => t.get(HOST, path, { headers });

  async function refused(value: string): Promise<ErrorBody['error']> {
    const response = await putPolicy('orders', value);
    expect(response.status, response.text).toBe(400);
    return response.json<ErrorBody>().error;
  }

  beforeAll(async () => {
    t = await startTestService({ logger: createLogger({ level: 'warn', write: (line) => log.push(line) }) });
    backend = await startBackend();
    expect((await t.admin('PUT', SVC, { properties: {} })).status).toBe(201);
    for (const api of ['orders', 'big', 'dynamic']) {
      const put = await t.admin('PUT', `${SVC}/apis/${api}`, {
        properties: { path: api, serviceUrl: `${backend.url}/api`, subscriptionRequired: false },
      });
      expect(put.status, put.text).toBe(201);
      expect(
        (
          await t.admin('PUT', `${SVC}/apis/${api}/operations/any`, {
            properties: { method: 'GET', urlTemplate: '/*' },
          })
        ).status,
      ).toBe(201);
    }
  });

  afterAll(async () => {
    await t?.close();
    await backend?.close();
    await removeData(t?.dataDir ?? '');
  });

  it('accepts a policy larger than 4,096 characters, up to 256 KB', async () => {
    const headers = Array.from(
      { length: 200 },
      (_, i) =>
        `<set-header name="X-Filler-${i}" exists-action="override"><value>${'v'.repeat(40)}</value></set-header>`,
    ).join('\n    ');
    const value = inbound(headers);
    expect(value.length).toBeGreaterThan(4096);
    const response = await putPolicy('big', value);
    expect(response.status, response.text).toBe(201);
    const seen = await call('/big/x');
    expect(seen.status).toBe(200);
    expect(backend.requests.at(-1)?.headers['x-filler-199']).toBe('v'.repeat(40));
  });

  it('refuses a policy over 256 KB by its size, without echoing it', async () => {
    const value = inbound(`<!-- ${'x'.repeat(300 * 1024)} -->`);
    const error = await refused(value);
    expect(error.code).toBe('CONTROL_POLICY_INVALID');
    expect(error.message).toContain('262144 bytes');
    expect(JSON.stringify(error).length).toBeLessThan(1000);
  });

  it('never echoes a long submitted value in an error', async () => {
    const long = 'y'.repeat(20_000);
    const badFormat = await t.admin('PUT', `${SVC}/apis/orders/policies/policy`, {
      properties: { format: long, value: inbound('<base />') },
    });
    expect(badFormat.status).toBe(400);
    expect(badFormat.text.length).toBeLessThan(1000);
    expect(badFormat.text).toContain('20000 characters');
    const badAttribute = await refused(inbound(`<rate-limit calls="${long}" renewal-period="60" />`));
    expect(JSON.stringify(badAttribute).length).toBeLessThan(2000);
    const badElements = await refused(inbound(`<x${long.slice(0, 2000)} />\n`.repeat(100)));
    expect(JSON.stringify(badElements).length).toBeLessThan(20_000);
    expect(badElements.message).toContain('and 80 more');
  });

  it('refuses header names that are not HTTP tokens and values with CR, LF or non-Latin-1 characters, with their line', async () => {
    const cases: [string, string, RegExp][] = [
      [
        inbound('<set-header name="X Bad" exists-action="override"><value>1</value></set-header>'),
        'line 3',
        /not a valid header name/,
      ],
      [
        inbound('<set-header name="X-Split:" exists-action="override"><value>1</value></set-header>'),
        'line 3',
        /not a valid header name/,
      ],
      [
        inbound(
          '<set-header name="X-Crlf" exists-action="override">\n      <value>a&#13;&#10;Set-Cookie: evil=1</value>\n    </set-header>',
        ),
        'line 4',
        /line break/,
      ],
      [
        outbound('<set-header name="X-Euro" exists-action="override"><value>5 €</value></set-header>'),
        'line 7',
        /U\+20AC/,
      ],
      [
        inbound(
          '<return-response>\n      <set-header name="Bad Name"><value>1</value></set-header>\n    </return-response>',
        ),
        'line 4',
        /not a valid header name/,
      ],
      [
        inbound(
          '<return-response>\n      <set-header name="X-Ok">\n        <value>a&#10;b</value>\n      </set-header>\n    </return-response>',
        ),
        'line 5',
        /line break/,
      ],
      [
        inbound('<rate-limit calls="5" renewal-period="60" remaining-calls-header-name="X Left" />'),
        'line 3',
        /header name/,
      ],
    ];
    for (const [value, line, message] of cases) {
      const error = await refused(value);
      expect(error.code).toBe('CONTROL_POLICY_INVALID');
      expect(error.details?.[0]?.path, value).toMatch(new RegExp(`^${line},`));
      expect(error.details?.[0]?.message, value).toMatch(message);
      // One sentence: a problem's own full stop does not run into the next ('.;') or into the end ('..').
      expect(error.message, value).not.toMatch(/\.;|\.\.$/);
      expect(error.message, value).toMatch(/\.$/);
    }
    expect((await call('/orders/x')).status).toBe(200);
  });

  it('lists several problems of one policy as one sentence', async () => {
    const error = await refused(inbound('<rate-limit calls="ten" renewal-period="301" />'));
    expect(error.code).toBe('CONTROL_POLICY_INVALID');
    expect(error.details?.length).toBeGreaterThan(1);
    expect(error.message).toContain('; line 3');
    expect(error.message).not.toMatch(/\.;|\.\.$/);
    expect(error.message).toMatch(/\.$/);
  });

  it('refuses set-status and mock-response codes outside 200–599, with their line', async () => {
    for (const code of ['101', '100', '199', '600', '99']) {
      const error = await refused(
        inbound(`<return-response>\n      <set-status code="${code}" />\n    </return-response>`),
      );
      expect(error.details?.[0]?.path).toMatch(/^line 4,/);
      expect(error.details?.[0]?.message).toContain('from 200 to 599');
    }
    const interim = await refused(inbound('<mock-response status-code="103" />'));
    expect(interim.details?.[0]?.message).toContain('interim');
    const check = await refused(
      inbound('<check-header name="X-A" failed-check-httpcode="100"><value>a</value></check-header>'),
    );
    expect(check.details?.[0]?.message).toContain('failed-check-httpcode');
    const fine = await putPolicy(
      'orders',
      inbound(
        '<return-response>\n      <set-status code="204" />\n      <set-body>ignored</set-body>\n    </return-response>',
      ),
    );
    expect(fine.status, fine.text).toBe(201);
    const empty = await call('/orders/x');
    expect(empty.status).toBe(204);
    expect(empty.headers['content-length']).toBeUndefined();
    expect(empty.text).toBe('');
  });

  it('fails only the call whose expression value cannot be a header, with a log line, and keeps serving', async () => {
    const saved = await putPolicy(
      'dynamic',
      outbound(
        '<set-header name="X-Echo" exists-action="override"><value>@(context.Request.Url.Query.GetValueOrDefault("v", "none"))</value></set-header>',
      ),
    );
    expect(saved.status, saved.text).toBe(201);
    const good = await call('/dynamic/x?v=fine');
    expect(good.status).toBe(200);
    expect(good.headers['x-echo']).toBe('fine');
    log.length = 0;
    const bad = await call('/dynamic/x?v=a%0D%0ASet-Cookie:%20evil=1');
    expect(bad.status).toBe(500);
    expect(bad.json()).toEqual({ statusCode: 500, message: 'Internal server error' });
    expect(bad.headers['set-cookie']).toBeUndefined();
    expect(bad.headers['x-echo']).toBeUndefined();
    expect(log.join('\n')).toMatch(/X-Echo header holds a line break/);
    const inReturn = await putPolicy(
      'dynamic',
      inbound(
        '<return-response><set-header name="X-Who"><value>@(context.Request.Url.Query.GetValueOrDefault("who", ""))</value></set-header><set-body>hi</set-body></return-response>',
      ),
    );
    expect(inReturn.status, inReturn.text).toBe(200);
    const euro = await call('/dynamic/x?who=%E2%82%AC');
    expect(euro.status).toBe(500);
    expect(log.join('\n')).toMatch(/X-Who header holds '€'/);
    expect((await call('/dynamic/x?who=ann')).headers['x-who']).toBe('ann');
  });

  it('refuses a named value change that would break a policy using it, naming the policy and line', async () => {
    const named = (value: string, displayName = 'tenant') =>
      t.admin('PUT', `${SVC}/namedValues/tenant`, { properties: { displayName, value } });
    expect((await named('contoso')).status).toBe(201);
    const saved = await putPolicy(
      'orders',
      inbound('<set-header name="X-Tenant" exists-action="override"><value>{{tenant}}</value></set-header>'),
    );
    expect(saved.status, saved.text).toBe(200);
    const broken = await named('contoso\r\nX-Injected: 1');
    expect(broken.status, broken.text).toBe(400);
    const error = broken.json<ErrorBody>().error;
    expect(error.code).toBe('CONTROL_POLICY_INVALID');
    expect(error.message).toContain('the policy of api:orders is invalid');
    expect(error.details?.[0]?.path).toMatch(/^line 3,/);
    const renamed = await named('contoso', 'customer');
    expect(renamed.status).toBe(400);
    expect(renamed.json<ErrorBody>().error.message).toContain('{{tenant}}');
    expect((await call('/orders/x')).status).toBe(200);
    expect(backend.requests.at(-1)?.headers['x-tenant']).toBe('contoso');
    expect((await named('fabrikam')).status).toBe(200);
  });

  it('fails only the call whose expression does not give a backend URL, with a log line', async () => {
    const saved = await putPolicy(
      'dynamic',
      inbound(
        '<set-backend-service base-url="@(context.Request.Url.Query.GetValueOrDefault(&quot;to&quot;, &quot;none&quot;))" />',
      ),
    );
    expect(saved.status, saved.text).toBe(200);
    log.length = 0;
    const bad = await call('/dynamic/x?to=file:///etc/passwd');
    expect(bad.status).toBe(500);
    expect(bad.json()).toEqual({ statusCode: 500, message: 'Internal server error' });
    expect(log.join('\n')).toMatch(
      /<set-backend-service> in <inbound>, .* did not give an absolute http\(s\) URL/,
    );
    const good = await call(`/dynamic/x?to=${encodeURIComponent(`${backend.url}/api`)}`);
    expect(good.status).toBe(200);
  });
});
