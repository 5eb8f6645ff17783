/**
 * Management writes sent at the same moment, on SQLite and on PostgreSQL: a version check (`If-Match`)
 * lets exactly one of them through and the others get 412, so no update is lost; two creations of one
 * name make one resource, and the loser gets a clear 409, never an internal error.
 * @see docs/rest-api.md (app settings' etag); the concurrency tester's findings of this stop
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { send } from '../helpers/app.js';
import { testDatabases } from '../helpers/databases.js';
import {
  ADMIN_TOKEN,
  removeData,
  SITES_PATH,
  startTestService,
  type TestService,
} from '../helpers/service.js';

const ATTEMPTS = 10;

describe.each(testDatabases())('concurrent management writes ($name)', (database) => {
  let t: TestService;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    const created = await database.create();
    cleanup = created.cleanup;
    t = await startTestService({
      ...(created.location.dialect === 'postgres' ? { databaseUrl: created.location.url } : {}),
      dataDir: created.dir,
    });
    expect((await t.admin('PUT', `${SITES_PATH}/shop`, { sku: { name: 'Standard' } })).status).toBe(201);
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    await removeData(t?.dataDir ?? '');
    await cleanup?.();
  });

  it('lets one of many settings writes with the same If-Match through, and refuses the rest with 412', async () => {
    const read = await t.admin('POST', `${SITES_PATH}/shop/listAppSettings`);
    const etag = read.header('etag') ?? '';
    expect(etag).not.toBe('');
    const answers = await Promise.all(
      Array.from({ length: ATTEMPTS }, (_, i) =>
        send(`${t.service.adminUrl}${SITES_PATH}/shop/config/appsettings`, {
          method: 'PUT',
          headers: {
            authorization: `Bearer ${ADMIN_TOKEN}`,
            'content-type': 'application/json',
            'if-match': etag,
          },
          body: JSON.stringify({ properties: { [`WRITER_${i}`]: 'x' } }),
        }),
      ),
    );
    const statuses = answers.map((answer) => answer.status).sort();
    expect(statuses).toEqual([200, ...Array(ATTEMPTS - 1).fill(412)]);
    const winner = answers.findIndex((answer) => answer.status === 200);
    const stored = await t.admin('POST', `${SITES_PATH}/shop/listAppSettings`);
    expect(stored.json<{ properties: Record<string, string> }>().properties).toEqual({
      [`WRITER_${winner}`]: 'x',
    });
  });

  it('makes one site of many creations of one name, and never answers an internal error', async () => {
    const answers = await Promise.all(
      Array.from({ length: ATTEMPTS }, () =>
        t.admin('PUT', `${SITES_PATH}/same`, { sku: { name: 'Standard' } }),
      ),
    );
    const statuses = answers.map((answer) => answer.status);
    expect(statuses.filter((status) => status === 201)).toHaveLength(1);
    expect(
      statuses.filter((status) => ![200, 201, 409].includes(status)),
      answers.map((a) => a.text).join('\n'),
    ).toEqual([]);
    const listed = await t.admin('GET', SITES_PATH);
    expect(
      listed.json<{ value: { name: string }[] }>().value.filter((site) => site.name === 'same'),
    ).toHaveLength(1);
  });
});
