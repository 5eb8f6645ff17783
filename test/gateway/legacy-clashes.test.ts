/**
 * Data stored by a Portico from before decisions 0115 and 0123, which compared API path suffixes and
 * operation templates raw: two APIs whose paths fold to one (`café` and `caf%C3%A9`), two operations whose
 * templates do. After the upgrade each call goes to the one the old build answered, a warning names the
 * clash once, and the clashing entities can still be updated while they keep their path or template.
 * The rows are written straight into the store, as the old build saved them (the control plane now
 * refuses them). Real sockets, real SQLite, a real backend on loopback.
 * @see docs/decisions/0127-apim-legacy-clashes.md
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/shared/logger.js';
import { type Backend, type EchoRequest, startBackend } from '../helpers/backend.js';
import { PROVIDERS_PATH, removeData, startTestService, type TestService } from '../helpers/service.js';

const SVC = `${PROVIDERS_PATH}/Microsoft.ApiManagement/service/legacy`;
const HOST = 'legacy.azure-api.portico.test';

describe('gateway: clashes stored before suffixes and templates were compared decoded', () => {
  let t: TestService;
  let backend: Backend;
  let dataDir: string;
  const warnings: string[] = [];
  const logger = createLogger({ level: 'warn', write: (line) => warnings.push(line) });

  async function put(path: string, properties: unknown): Promise<void> {
    const response = await t.admin('PUT', `${SVC}${path}`, { properties });
    expect([200, 201], `${path}: ${response.text}`).toContain(response.status);
  }
  /** Rewrites a stored entity's properties as an older build saved them, past today's checks. */
  async function storeAsBefore(kind: 'api' | 'operation', id: string, change: object): Promise<void> {
    const db = t.service.control.db;
    const row = await db
      .selectFrom('apim_entities')
      .select(['properties', 'service_id'])
      .where('kind', '=', kind)
      .where('entity_id', '=', id)
      .executeTakeFirstOrThrow();
    await db
      .updateTable('apim_entities')
      .set({ properties: JSON.stringify({ ...JSON.parse(row.properties), ...change }) })
      .where('service_id', '=', row.service_id)
      .where('kind', '=', kind)
      .where('entity_id', '=', id)
      .execute();
  }
  const call = (path: string) => t.get(HOST, path);
  const clashWarnings = () => warnings.filter((line) => line.includes("gateway 'legacy'"));

  beforeAll(async () => {
    backend = await startBackend();
    t = await startTestService({ logger });
    dataDir = t.dataDir;
    expect((await t.admin('PUT', SVC, { properties: {} })).status).toBe(201);
    // `cafe` (needs a key) was unreachable before 0115: calls send caf%C3%A9, which the raw comparison
    // gave to `cafe2`, the open API made as the workaround.
    await put('/apis/cafe', { path: 'café', serviceUrl: `${backend.url}/api/one` });
    await put('/apis/cafe/operations/echo', { method: 'GET', urlTemplate: '/echo' });
    await put('/apis/cafe2', {
      path: 'cafe2',
      serviceUrl: `${backend.url}/api/two`,
      subscriptionRequired: false,
    });
    await put('/apis/cafe2/operations/echo', { method: 'GET', urlTemplate: '/echo' });
    await put('/apis/cafe2/operations/only2', { method: 'GET', urlTemplate: '/only2' });
    // Two operations of cafe2 whose templates fold to one (saved before 0123): /menü answered /men%C3%BC.
    await put('/apis/cafe2/operations/escaped', { method: 'GET', urlTemplate: '/elsewhere' });
    await put('/apis/cafe2/operations/plain', { method: 'GET', urlTemplate: '/menü' });
    await put('/apis/cafe2/operations/plain/policies/policy', {
      format: 'rawxml',
      value:
        '<policies><inbound><base /><set-header name="x-operation" exists-action="override"><value>plain</value></set-header></inbound><backend><base /></backend><outbound><base /></outbound><on-error><base /></on-error></policies>',
    });
    await storeAsBefore('api', 'cafe2', { path: 'caf%C3%A9' });
    await storeAsBefore('operation', 'cafe2/escaped', { urlTemplate: '/men%C3%BC' });
    // The upgrade: the new build starts on the old data.
    await t.close();
    t = await startTestService({ dataDir, logger });
  }, 60_000);

  afterAll(async () => {
    await t?.close();
    await backend?.close();
    await removeData(dataDir);
  });

  it('gives a call to the API whose stored path it spells, as the build before did', async () => {
    const echo = await call('/caf%C3%A9/echo');
    expect(echo.status, echo.text).toBe(200);
    expect(echo.json<EchoRequest>().url).toBe('/api/two/echo');
    const only2 = await call('/caf%C3%A9/only2');
    expect(only2.status, only2.text).toBe(200);
    expect(only2.json<EchoRequest>().url).toBe('/api/two/only2');
  });

  it('gives a call to the operation whose template it spelled once decoded, as the build before did', async () => {
    const response = await call('/caf%C3%A9/men%C3%BC');
    expect(response.status, response.text).toBe(200);
    expect(response.json<EchoRequest>().headers['x-operation']).toBe('plain');
  });

  it('warns once per clash at start, naming the gateway, the APIs and their paths, and the fix', () => {
    const apis = clashWarnings().filter((line) => line.includes('the APIs'));
    expect(apis).toHaveLength(1);
    expect(apis[0]).toContain("'cafe' (path 'café') and 'cafe2' (path 'caf%C3%A9')");
    expect(apis[0]).toContain("/caf%C3%A9 → 'cafe2'");
    expect(apis[0]).toContain('properties.path');
    const ops = clashWarnings().filter((line) => line.includes('the operations'));
    expect(ops).toHaveLength(1);
    expect(ops[0]).toContain("'escaped' (GET /men%C3%BC) and 'plain' (GET /menü) of the API 'cafe2'");
  });

  it('lets an API and an operation that keep their path or template be updated (not into the clash), and does not warn again', async () => {
    const before = clashWarnings().length;
    const api = await t.admin('PATCH', `${SVC}/apis/cafe2`, { properties: { displayName: 'Café (new)' } });
    expect(api.status, api.text).toBe(200);
    const stored = (await t.admin('GET', `${SVC}/apis/cafe2`)).json<{ properties: object }>().properties;
    const replaced = await t.admin('PUT', `${SVC}/apis/cafe2`, { properties: stored });
    expect(replaced.status, replaced.text).toBe(200);
    const op = await t.admin('PATCH', `${SVC}/apis/cafe2/operations/escaped`, {
      properties: { displayName: 'Menu, escaped' },
    });
    expect(op.status, op.text).toBe(200);
    // The gateway reloaded the service (the change log): the same clashes, no new warning.
    const response = await call('/caf%C3%A9/echo');
    expect(response.json<EchoRequest>().url).toBe('/api/two/echo');
    expect(clashWarnings()).toHaveLength(before);
    // A change of path or template that keeps the clash is still refused.
    const moved = await t.admin('PATCH', `${SVC}/apis/cafe2`, { properties: { path: 'CAF%C3%A9' } });
    expect(moved.status, moved.text).toBe(409);
    const retemplated = await t.admin('PATCH', `${SVC}/apis/cafe2/operations/escaped`, {
      properties: { urlTemplate: '/MEN%C3%BC' },
    });
    expect(retemplated.status, retemplated.text).toBe(409);
  });
});
