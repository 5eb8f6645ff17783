/** The service id (decision 0086), as docs/operations.md tells an operator to renew it on a database copy. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../storage/index.js';
import { resolveServiceId } from './service-id.js';

const folders: string[] = [];
afterEach(async () => {
  await Promise.all(folders.splice(0).map((folder) => rm(folder, { recursive: true, force: true })));
});

describe('resolveServiceId', () => {
  it('keeps the id it recorded, and records a new one once its row is deleted (a database copy)', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'portico-service-id-'));
    folders.push(folder);
    const storage = await openDatabase({ dialect: 'sqlite', file: join(folder, 'portico.db') });
    try {
      const first = await resolveServiceId(storage.db);
      expect(first).toMatch(/^[0-9a-f]{16}$/);
      expect(await resolveServiceId(storage.db)).toBe(first);
      await storage.db.deleteFrom('service_values').where('name', '=', 'service-id').execute();
      const renewed = await resolveServiceId(storage.db);
      expect(renewed).toMatch(/^[0-9a-f]{16}$/);
      expect(renewed).not.toBe(first);
    } finally {
      await storage.close();
    }
  });
});
