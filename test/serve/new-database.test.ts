/**
 * A node started on the wrong database is refused instead of serving an empty one (found by an operator's
 * tester): a PostgreSQL node whose PORTICO_DATABASE_URL dropped out of its unit file came up on a new
 * SQLite file with the old key file, said ready and answered 404 for every site; `--database-url` given
 * to a SQLite node with its sites in portico.db started empty without a word. `--new-database` means it.
 * Real SQLite and PostgreSQL, the service started in-process.
 */
import { mkdtemp, readdir, rename, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { sweepUnusedContents } from '../../src/control-plane/index.js';
import { createPostgresDatabase, hasPostgres, testDatabases } from '../helpers/databases.js';
import { createDeployedSite, removeData, startTestService } from '../helpers/service.js';

testDatabases();

const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups) {
    await cleanup();
  }
});

async function dataFolder(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'portico-newdb-'));
  cleanups.push(() => removeData(dir));
  return dir;
}

async function freshPostgres(): Promise<string> {
  const database = await createPostgresDatabase(process.env.PORTICO_TEST_DATABASE_URL ?? '');
  cleanups.push(() => database.cleanup());
  return database.location.dialect === 'postgres' ? database.location.url : '';
}

/** True when nothing was migrated in the PostgreSQL database at `url` (no Portico table). */
async function postgresIsNew(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query(
      "select count(*)::int as n from pg_tables where schemaname = 'public'",
    );
    return rows[0].n === 0;
  } finally {
    await client.end();
  }
}

describe('a start that would create a new database in a data folder that served another one', () => {
  it('SQLite: portico.db gone but its contents there is refused, writing nothing; --new-database starts', async () => {
    const dataDir = await dataFolder();
    const first = await startTestService({ dataDir });
    await createDeployedSite(first, 'kept', { files: { 'index.html': 'x' } });
    await first.close();
    await removeData(join(dataDir, 'portico.db'));
    const before = (await readdir(dataDir)).sort();

    await expect(startTestService({ dataDir })).rejects.toMatchObject({
      code: 'SERVE_NEW_DATABASE_REFUSED',
      message: expect.stringMatching(
        /would create a new SQLite database .*portico\.db.*shows this node served another database before: .*the deployment contents .*blobs.*Nothing was changed.*PORTICO_DATABASE_URL.*--new-database/,
      ),
    });
    expect((await readdir(dataDir)).sort()).toEqual(before);

    const fresh = await startTestService({ dataDir, extra: { newDatabase: true } });
    expect(fresh.service.warnings.filter((w) => w.includes('--new-database was given'))).toEqual([]);
    await fresh.close();
    const again = await startTestService({ dataDir, extra: { newDatabase: true } });
    await again.close();
    expect(again.service.warnings).toContainEqual(
      expect.stringContaining('--new-database was given but the database already existed'),
    );
  });
});

/** The files under `dir` (relative paths), sorted; none when it does not exist. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(dir.length + 1))
    .sort();
}

/** The folder a --new-database start moved the earlier database's traces into (the one there is). */
async function asideFolder(dataDir: string): Promise<string> {
  const names = (await readdir(dataDir)).filter((name) => name.startsWith('before-new-database-'));
  expect(names).toHaveLength(1);
  return join(dataDir, names[0] ?? '');
}

describe('--new-database keeps the earlier database (@see tester finding: blobs swept by the new one)', () => {
  it('SQLite: the earlier contents survive a sweep in a dated folder, and moved back the site serves again', async () => {
    const dataDir = await dataFolder();
    const first = await startTestService({ dataDir });
    const hostname = await createDeployedSite(first, 'kept', { files: { 'index.html': 'the kept page' } });
    await first.close();
    // The operator's backup of portico.db, taken out of the data folder.
    const backup = join(await dataFolder(), 'portico.db');
    await rename(join(dataDir, 'portico.db'), backup);
    const blobs = await filesUnder(join(dataDir, 'blobs'));
    expect(blobs.length).toBeGreaterThan(0);
    // As in the report: contents last used two days ago, long past the sweep's grace period.
    const twoDaysAgo = new Date(Date.now() - 2 * 24 * 3600_000);
    for (const file of blobs) {
      await utimes(join(dataDir, 'blobs', file), twoDaysAgo, twoDaysAgo);
    }

    const fresh = await startTestService({ dataDir, extra: { newDatabase: true } });
    await sweepUnusedContents(fresh.service.control);
    await fresh.close();
    const aside = await asideFolder(dataDir);
    expect(fresh.service.warnings).toContainEqual(
      expect.stringMatching(
        /what the earlier database left \(the deployment contents .*blobs.*\) was moved to .*before-new-database-.*delete the folder/,
      ),
    );
    expect(fresh.service.warnings.join('\n')).toContain(aside);
    expect(await filesUnder(join(aside, 'blobs'))).toEqual(blobs);

    // Going back: the backup and the earlier contents moved back in place (the cache is rebuilt).
    for (const name of ['portico.db', 'portico.db-wal', 'portico.db-shm', 'blobs', 'cache']) {
      await removeData(join(dataDir, name));
    }
    await rename(backup, join(dataDir, 'portico.db'));
    await rename(join(aside, 'blobs'), join(dataDir, 'blobs'));
    const back = await startTestService({ dataDir });
    try {
      expect((await back.get(hostname, '/')).text).toContain('the kept page');
    } finally {
      await back.close();
    }
  }, 60_000);
});

describe.skipIf(!hasPostgres())('… with PostgreSQL', () => {
  it('a PostgreSQL node started without its database URL is refused (key from PORTICO_SECRET_KEY)', async () => {
    const dataDir = await dataFolder();
    const url = await freshPostgres();
    const node = await startTestService({ dataDir, databaseUrl: url, secretKey: 'the-service-key' });
    await createDeployedSite(node, 'shared', { files: { 'index.html': 'x' } });
    await node.close();

    await expect(startTestService({ dataDir, secretKey: 'the-service-key' })).rejects.toMatchObject({
      code: 'SERVE_NEW_DATABASE_REFUSED',
      message: expect.stringContaining('the deployment cache'),
    });
    expect(await readdir(dataDir)).not.toContain('portico.db');
  }, 60_000);

  it('--database-url given to a SQLite node is refused while the PostgreSQL database is new; later, a warning', async () => {
    const dataDir = await dataFolder();
    const sqlite = await startTestService({ dataDir });
    await createDeployedSite(sqlite, 'local', { files: { 'index.html': 'x' } });
    await sqlite.close();
    const url = await freshPostgres();

    await expect(startTestService({ dataDir, databaseUrl: url })).rejects.toMatchObject({
      code: 'SERVE_NEW_DATABASE_REFUSED',
      message: expect.stringMatching(
        /new, empty PostgreSQL database at .*the SQLite database .*portico\.db.*No Portico command moves a SQLite database's sites to PostgreSQL/,
      ),
    });
    expect(await postgresIsNew(url)).toBe(true);

    const moved = await startTestService({ dataDir, databaseUrl: url, extra: { newDatabase: true } });
    await moved.close();
    // The SQLite service moved aside whole: its database with its contents and cache.
    const aside = await asideFolder(dataDir);
    expect((await readdir(aside)).sort()).toEqual(['blobs', 'cache', 'portico.db']);
    expect(moved.service.warnings).toContainEqual(
      expect.stringMatching(/the SQLite database .*portico\.db\) was moved to /),
    );
    // A portico.db put back (or copied in) is not used: said at every start.
    await rename(join(aside, 'portico.db'), join(dataDir, 'portico.db'));
    const next = await startTestService({ dataDir, databaseUrl: url });
    await next.close();
    expect(next.service.warnings).toContainEqual(
      expect.stringMatching(/holds a SQLite database, .*portico\.db, which this node does not use/),
    );
  }, 60_000);

  it('warns a PostgreSQL node that makes its own admin token, which other nodes would not share', async () => {
    const url = await freshPostgres();
    const secretKey = 'the-service-key';
    const own = await startTestService({
      dataDir: await dataFolder(),
      databaseUrl: url,
      secretKey,
      adminToken: '',
    });
    await own.close();
    expect(own.service.warnings).toContainEqual(
      expect.stringContaining('Set the same PORTICO_ADMIN_TOKEN on every node'),
    );
    const shared = await startTestService({ dataDir: await dataFolder(), databaseUrl: url, secretKey });
    await shared.close();
    expect(shared.service.warnings.filter((w) => w.includes('PORTICO_ADMIN_TOKEN'))).toEqual([]);
  }, 60_000);
});
