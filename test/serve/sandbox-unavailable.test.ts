/**
 * `portico serve --sandbox <kind>` where that sandbox cannot be had fails before it writes anything,
 * although the sandbox probes run beside the storage's start (decision 0035): a data folder that did not
 * exist is not made, an empty one stays empty, an existing one (a database of an older version, its key
 * file) is left byte for byte as it was, and a PostgreSQL database gets no tables.
 * `--sandbox user --functions-user off` cannot work on any machine, so it stands for a missing sandbox;
 * `--sandbox node --functions-network private` neither, for a missing private network.
 * @see docs/decisions/0039-operations-leftovers.md
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { lstat, mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { createPostgresDatabase, hasPostgres } from '../helpers/databases.js';
import { removeData, startTestService } from '../helpers/service.js';

const POSTGRES_URL = process.env.PORTICO_TEST_DATABASE_URL ?? '';
const UNAVAILABLE = { sandbox: 'user', functionsUser: 'off' } as const;
const REFUSED = { code: 'FUNCTIONS_SANDBOX_UNAVAILABLE' };

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) {
    await cleanup();
  }
});

async function freshFolder(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'portico-no-sandbox-'));
  cleanups.push(() => removeData(dir));
  return dir;
}

/** Every entry under `dir` with its mode, and each file's content hash. */
async function snapshot(dir: string): Promise<Record<string, string>> {
  const entries: Record<string, string> = {};
  const walk = async (current: string) => {
    for (const name of (await readdir(current)).sort()) {
      const path = join(current, name);
      const stat = await lstat(path);
      const mode = (stat.mode & 0o7777).toString(8);
      if (stat.isDirectory()) {
        entries[path] = `dir ${mode}`;
        await walk(path);
      } else {
        const hash = createHash('sha256')
          .update(await readFile(path))
          .digest('hex');
        entries[path] = `file ${mode} ${hash}`;
      }
    }
  };
  await walk(dir);
  return entries;
}

describe('portico serve with a sandbox that cannot be had', () => {
  it('leaves no data folder behind where there was none', async () => {
    const dataDir = join(await freshFolder(), 'data');
    await expect(startTestService({ dataDir, ...UNAVAILABLE })).rejects.toMatchObject(REFUSED);
    expect(existsSync(dataDir)).toBe(false);
  });

  it('refuses a private network it cannot give (--functions-network private without bubblewrap) the same way', async () => {
    const dataDir = join(await freshFolder(), 'data');
    const privateWithoutBubblewrap = { sandbox: 'node', extra: { functionsNetwork: 'private' } } as const;
    await expect(startTestService({ dataDir, ...privateWithoutBubblewrap })).rejects.toMatchObject({
      ...REFUSED,
      message: expect.stringContaining('--functions-network private'),
    });
    expect(existsSync(dataDir)).toBe(false);
  });

  it('leaves an empty data folder empty: no database, no key file', async () => {
    const dataDir = await freshFolder();
    await expect(startTestService({ dataDir, ...UNAVAILABLE })).rejects.toMatchObject(REFUSED);
    expect(await readdir(dataDir)).toEqual([]);
  });

  it('leaves an existing data folder as it was, its database of an older version not migrated', async () => {
    const dataDir = await freshFolder();
    const first = await startTestService({ dataDir, sandbox: 'none' });
    await first.close();
    // As an older Portico left it: without the last migration.
    const sqlite = new BetterSqlite3(join(dataDir, 'portico.db'));
    sqlite.exec(`DELETE FROM kysely_migration WHERE name = '0010-traffic-minutes';
      DROP TABLE traffic_minutes; DROP TABLE gateway_traffic_minutes;`);
    sqlite.close();
    const before = await snapshot(dataDir);
    expect(Object.keys(before).map((path) => path.slice(dataDir.length + 1))).toEqual(
      expect.arrayContaining(['portico.db', 'service-key']),
    );

    await expect(startTestService({ dataDir, ...UNAVAILABLE })).rejects.toMatchObject(REFUSED);
    expect(await snapshot(dataDir)).toEqual(before);
  });

  it.skipIf(!hasPostgres())('creates no table in a PostgreSQL database', async () => {
    const database = await createPostgresDatabase(POSTGRES_URL);
    cleanups.push(() => database.cleanup());
    const dataDir = await freshFolder();
    const url = database.location.dialect === 'postgres' ? database.location.url : '';
    await expect(startTestService({ dataDir, databaseUrl: url, ...UNAVAILABLE })).rejects.toMatchObject(
      REFUSED,
    );
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    cleanups.push(() => client.end());
    const tables = await client.query(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'",
    );
    expect(tables.rows).toEqual([]);
    expect(await readdir(dataDir)).toEqual([]);
  });
});
