/**
 * The service key is kept apart from the data, and the data folder is private (issue 13, item 3): a copy
 * of portico.db alone reveals no secret and cannot be started on; the key file is created 0600 (with a
 * warning while it sits beside the database) or wherever --secret-key-file says; a key an older Portico
 * kept in the database moves to the key file; a wrong key is refused at start, before anything is written.
 * Real SQLite and PostgreSQL, the service started in-process.
 */
import { randomBytes } from 'node:crypto';
import { chmod, copyFile, lstat, mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSealer } from '../../src/control-plane/index.js';
import { replaceAppSettings } from '../../src/control-plane/settings.js';
import { createSite } from '../../src/control-plane/sites.js';
import { openDatabase } from '../../src/storage/index.js';
import { testControlContext } from '../helpers/control-context.js';
import { createPostgresDatabase, hasPostgres, testDatabases } from '../helpers/databases.js';
import { createDeployedSite, removeData, SITES_PATH, startTestService } from '../helpers/service.js';

const API_DIR = fileURLToPath(new URL('../fixtures/serve/api', import.meta.url));
const SETTING_VALUE = `setting-${randomBytes(12).toString('hex')}`;

// Prints the skip notice (or fails under PORTICO_REQUIRE_POSTGRES=1) when PostgreSQL is not configured.
testDatabases();

/** Every way a key may be written down. */
function encodings(key: Buffer): string[] {
  return [key.toString('base64'), key.toString('base64url'), key.toString('hex')];
}

/** Which of `needles` occur in any cell of any table of the SQLite file, or anywhere in its bytes. */
async function secretsIn(
  file: string,
  needles: readonly string[],
  raw: readonly Buffer[],
): Promise<string[]> {
  const found = new Set<string>();
  const db = new BetterSqlite3(file, { readonly: true, fileMustExist: true });
  try {
    const tables = db.prepare("select name from sqlite_master where type = 'table'").all() as {
      name: string;
    }[];
    for (const { name } of tables) {
      for (const row of db.prepare(`select * from "${name}"`).all() as Record<string, unknown>[]) {
        for (const cell of Object.values(row)) {
          const text = Buffer.isBuffer(cell) ? cell.toString('latin1') : String(cell);
          for (const needle of needles.filter((n) => text.includes(n))) {
            found.add(`${name}: ${needle}`);
          }
        }
      }
    }
  } finally {
    db.close();
  }
  const bytes = await readFile(file);
  for (const needle of [...needles.map((n) => Buffer.from(n)), ...raw]) {
    if (bytes.includes(needle)) {
      found.add(`file bytes: ${needle.toString('latin1')}`);
    }
  }
  return [...found];
}

async function modeOf(path: string): Promise<number> {
  return (await lstat(path)).mode & 0o777;
}

/** Paths under `dir` (itself included) that group or others may use. */
/**
 * Entries others may read, or group may read unless the group is a site's own: under a uid per site
 * (root with the sandbox), an API's folder is given to that site's gid (1000000000+) alone, by design,
 * once its worker has started (a deploy starts it to say whether it loads).
 */
async function sharedEntries(dir: string): Promise<string[]> {
  const shared: string[] = [];
  const walk = async (path: string) => {
    const info = await lstat(path);
    const siteGroup = info.gid >= 1_000_000_000;
    if (!info.isSymbolicLink() && (info.mode & (siteGroup ? 0o007 : 0o077)) !== 0) {
      shared.push(`${path} ${(info.mode & 0o777).toString(8)}`);
    }
    if (info.isDirectory()) {
      for (const name of await readdir(path)) {
        await walk(join(path, name));
      }
    }
  };
  await walk(dir);
  return shared;
}

async function tempDir(prefix: string): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

describe('the service key on embedded SQLite', () => {
  const cleanups: string[] = [];
  const dir = async (prefix: string) => {
    const made = await tempDir(prefix);
    cleanups.push(made);
    return made;
  };
  afterAll(async () => {
    for (const path of cleanups) {
      await removeData(path);
    }
  });

  describe('by default: a key file beside the database', () => {
    let dataDir: string;
    let token: string;
    let key: Buffer;
    let warnings: readonly string[];

    beforeAll(async () => {
      dataDir = await dir('portico-keys-');
      const t = await startTestService({ dataDir });
      warnings = t.service.warnings;
      expect(t.service.serviceKey).toEqual({ source: 'file', file: join(dataDir, 'service-key') });
      await createDeployedSite(t, 'vault', {
        files: { 'index.html': 'vault' },
        settings: { DB_PASSWORD: SETTING_VALUE },
        apiDir: API_DIR,
      });
      const secrets = await t.admin('POST', `${SITES_PATH}/vault/listSecrets`);
      token = secrets.json<{ properties: { apiKey: string } }>().properties.apiKey;
      await t.close();
      key = Buffer.from((await readFile(join(dataDir, 'service-key'), 'utf8')).trim(), 'base64');
    }, 120_000);

    it('creates the key file 0600 and warns that it sits beside the database, saying how to move it', async () => {
      expect(key.length).toBe(32);
      expect(await modeOf(join(dataDir, 'service-key'))).toBe(0o600);
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain(`${join(dataDir, 'service-key')} is in the same folder as the database`);
      expect(warnings[0]).toMatch(/mv .*service-key .*--secret-key-file/);
    });

    it('leaves nothing under --data that group or others may read, after a deploy with an API', async () => {
      const [api] = await readdir(join(dataDir, 'cache', 'api-contents'));
      // The API's dependencies were installed by npm, whose files are made private too.
      expect(await readdir(join(dataDir, 'cache', 'api-contents', api ?? ''))).toContain('node_modules');
      expect(await sharedEntries(dataDir)).toEqual([]);
      expect(await modeOf(dataDir)).toBe(0o700);
      for (const name of ['portico.db', 'service-key']) {
        expect(await modeOf(join(dataDir, name)), name).toBe(0o600);
      }
    });

    it('a copy of portico.db alone reveals no app setting, deployment token or key', async () => {
      const copy = join(await dir('portico-copy-'), 'portico.db');
      await copyFile(join(dataDir, 'portico.db'), copy);
      const needles = [SETTING_VALUE, token, ...encodings(key)];
      expect(await secretsIn(copy, needles, [key])).toEqual([]);
      // The test would see them if they were there: the key file holds the key in base64.
      expect((await readFile(join(dataDir, 'service-key'), 'utf8')).trim()).toBe(encodings(key)[0]);
    });

    it('refuses to start on the copy without its key file, changing nothing', async () => {
      const copyDir = await dir('portico-copy-');
      await copyFile(join(dataDir, 'portico.db'), join(copyDir, 'portico.db'));
      const before = await readFile(join(copyDir, 'portico.db'));
      const started = startTestService({ dataDir: copyDir });
      await expect(started).rejects.toMatchObject({
        code: 'SERVE_SECRET_KEY_MISSING',
        message: expect.stringMatching(
          /sealed under a service key that is not here: the key file .*service-key does not exist.*Nothing was changed.*Restore the key file/,
        ),
      });
      expect(await readdir(copyDir)).toEqual(['portico.db']);
      expect((await readFile(join(copyDir, 'portico.db'))).equals(before)).toBe(true);
    });

    it('refuses to start on the copy with another key file or another PORTICO_SECRET_KEY', async () => {
      const copyDir = await dir('portico-copy-');
      await copyFile(join(dataDir, 'portico.db'), join(copyDir, 'portico.db'));
      await writeFile(join(copyDir, 'service-key'), `${randomBytes(32).toString('base64')}\n`, {
        mode: 0o600,
      });
      await expect(startTestService({ dataDir: copyDir })).rejects.toMatchObject({
        code: 'SERVE_SECRET_KEY_MISMATCH',
        message: expect.stringContaining("is not the one this database's data was sealed under"),
      });
      await expect(startTestService({ dataDir: copyDir, secretKey: 'guessed' })).rejects.toMatchObject({
        code: 'SERVE_SECRET_KEY_MISMATCH',
        message: expect.stringMatching(
          /PORTICO_SECRET_KEY is not the service key.*SHA-256 of PORTICO_SECRET_KEY/,
        ),
      });
    });

    it('starts on the copy once its key file is restored, and reads the sealed settings', async () => {
      const copyDir = await dir('portico-copy-');
      await copyFile(join(dataDir, 'portico.db'), join(copyDir, 'portico.db'));
      await copyFile(join(dataDir, 'service-key'), join(copyDir, 'service-key'));
      const t = await startTestService({ dataDir: copyDir });
      const listed = await t.admin('POST', `${SITES_PATH}/vault/listAppSettings`);
      await t.close();
      expect(listed.json()).toMatchObject({ properties: { DB_PASSWORD: SETTING_VALUE } });
    });
  });

  it('--secret-key-file elsewhere: created there 0600, no warning, and used again after a restart', async () => {
    const dataDir = await dir('portico-keys-');
    const keyFile = join(await dir('portico-keyfile-'), 'keys', 'portico.key');
    const first = await startTestService({ dataDir, secretKeyFile: keyFile });
    // The machine's own environment may add notes on npm installs (NODE_EXTRA_CA_CERTS): none is about keys.
    expect(first.service.warnings.filter((warning) => !/\bnpm\b/.test(warning))).toEqual([]);
    expect(first.service.serviceKey).toEqual({ source: 'file', file: keyFile });
    await createDeployedSite(first, 'moved', {
      files: { 'index.html': 'x' },
      settings: { A: SETTING_VALUE },
    });
    await first.close();
    expect(await modeOf(keyFile)).toBe(0o600);
    expect(await modeOf(join(keyFile, '..'))).toBe(0o700);
    expect(await readdir(dataDir)).not.toContain('service-key');

    const again = await startTestService({ dataDir, secretKeyFile: keyFile });
    const listed = await again.admin('POST', `${SITES_PATH}/moved/listAppSettings`);
    await again.close();
    expect(listed.json()).toMatchObject({ properties: { A: SETTING_VALUE } });
    await expect(startTestService({ dataDir })).rejects.toMatchObject({ code: 'SERVE_SECRET_KEY_MISSING' });
    await expect(
      startTestService({ dataDir, secretKeyFile: keyFile, secretKey: 'both' }),
    ).rejects.toMatchObject({
      code: 'SERVE_SECRET_KEY_INVALID',
      message: expect.stringContaining('Unset one'),
    });
  });

  it('tightens a data folder an older version left readable, and only what Portico put there', async () => {
    const dataDir = await dir('portico-keys-');
    // Its database too: a data folder with contents but no database is refused (SERVE_NEW_DATABASE_REFUSED).
    await (await openDatabase({ dialect: 'sqlite', file: join(dataDir, 'portico.db') })).close();
    await chmod(dataDir, 0o755);
    await mkdir(join(dataDir, 'blobs'), { mode: 0o755 });
    await writeFile(join(dataDir, 'admin-token'), 'old-token\n', { mode: 0o644 });
    await chmod(join(dataDir, 'admin-token'), 0o644);
    await writeFile(join(dataDir, 'operator-notes.txt'), 'not Portico’s', { mode: 0o644 });
    await chmod(join(dataDir, 'operator-notes.txt'), 0o644);
    const t = await startTestService({ dataDir });
    await t.close();
    expect(await modeOf(join(dataDir, 'operator-notes.txt'))).toBe(0o644);
    expect(await modeOf(dataDir)).toBe(0o700);
    expect(await modeOf(join(dataDir, 'blobs'))).toBe(0o700);
    expect(await modeOf(join(dataDir, 'admin-token'))).toBe(0o600);
  });

  describe('migration of a database that holds the key (older versions)', () => {
    /** A data folder as an older Portico left it: the key in `service_values`, a setting sealed under it. */
    async function legacyData(): Promise<{ dataDir: string; key: Buffer }> {
      const dataDir = await dir('portico-legacy-');
      const key = randomBytes(32);
      const storage = await openDatabase({ dialect: 'sqlite', file: join(dataDir, 'portico.db') });
      await storage.db
        .insertInto('service_values')
        .values({ name: 'service-key', value: key.toString('base64') })
        .execute();
      // Blobs and the work folder where that version kept them (under the data folder), and its key.
      const ctx = testControlContext(storage, dataDir, {
        sealer: createSealer(key),
        domain: 'portico.test',
        publicUrl: (host) => `http://${host}`,
      });
      const { site } = await createSite(ctx, 'legacy', 'Standard');
      await replaceAppSettings(ctx, site, 'production', { OLD_SECRET: SETTING_VALUE });
      await storage.close();
      return { dataDir, key };
    }

    const keyRows = (dataDir: string) => {
      const db = new BetterSqlite3(join(dataDir, 'portico.db'), { readonly: true });
      try {
        return db.prepare("select name from service_values where name = 'service-key'").all();
      } finally {
        db.close();
      }
    };

    it('moves the key to the key file, keeps old settings readable and removes the row', async () => {
      const { dataDir, key } = await legacyData();
      const t = await startTestService({ dataDir });
      const listed = await t.admin('POST', `${SITES_PATH}/legacy/listAppSettings`);
      await t.close();
      expect(listed.json()).toMatchObject({ properties: { OLD_SECRET: SETTING_VALUE } });
      expect((await readFile(join(dataDir, 'service-key'), 'utf8')).trim()).toBe(key.toString('base64'));
      expect(await modeOf(join(dataDir, 'service-key'))).toBe(0o600);
      expect(keyRows(dataDir)).toEqual([]);
      expect(await secretsIn(join(dataDir, 'portico.db'), [SETTING_VALUE, ...encodings(key)], [key])).toEqual(
        [],
      );
    });

    it('finishes a move a crash interrupted (key file written, row still there)', async () => {
      const { dataDir, key } = await legacyData();
      await writeFile(join(dataDir, 'service-key'), `${key.toString('base64')}\n`, { mode: 0o600 });
      const t = await startTestService({ dataDir });
      await t.close();
      expect(keyRows(dataDir)).toEqual([]);
    });

    it('refuses, keeping the row, when a key file exists that differs from it', async () => {
      const { dataDir } = await legacyData();
      const other = `${randomBytes(32).toString('base64')}\n`;
      await writeFile(join(dataDir, 'service-key'), other, { mode: 0o600 });
      await expect(startTestService({ dataDir })).rejects.toMatchObject({
        code: 'SERVE_SECRET_KEY_MISMATCH',
        message: expect.stringMatching(
          /differs from the service key an older Portico stored.*--secret-key-file/,
        ),
      });
      expect(keyRows(dataDir)).toHaveLength(1);
      expect(await readFile(join(dataDir, 'service-key'), 'utf8')).toBe(other);
    });

    it('refuses, keeping the row, when PORTICO_SECRET_KEY is set but the data is sealed under the stored key', async () => {
      const { dataDir } = await legacyData();
      await expect(startTestService({ dataDir, secretKey: 'a-new-key' })).rejects.toMatchObject({
        code: 'SERVE_SECRET_KEY_MISMATCH',
        message: expect.stringMatching(/Start once without PORTICO_SECRET_KEY/),
      });
      expect(keyRows(dataDir)).toHaveLength(1);
      expect(await readdir(dataDir)).not.toContain('service-key');
    });
  });
});

describe.skipIf(!hasPostgres())('the service key on PostgreSQL', () => {
  let database: Awaited<ReturnType<typeof createPostgresDatabase>>;
  const dataDirs: string[] = [];
  const node = async (options: { secretKey?: string }) => {
    const dataDir = await tempDir('portico-pg-keys-');
    dataDirs.push(dataDir);
    const url = database.location.dialect === 'postgres' ? database.location.url : '';
    return { dataDir, started: startTestService({ dataDir, databaseUrl: url, ...options }) };
  };

  beforeAll(async () => {
    database = await createPostgresDatabase(process.env.PORTICO_TEST_DATABASE_URL ?? '');
  });
  afterAll(async () => {
    await database.cleanup();
    for (const dataDir of dataDirs) {
      await removeData(dataDir);
    }
  });

  it('refuses at start a node whose key is not the service’s, writing nothing', async () => {
    const firstNode = await node({ secretKey: 'the-service-key' });
    const first = await firstNode.started;
    await createDeployedSite(first, 'shared', {
      files: { 'index.html': 'x' },
      settings: { S: SETTING_VALUE },
      apiDir: API_DIR,
    });
    // Deployments come from the database here, and are materialised privately in the node's cache.
    expect(await readdir(join(firstNode.dataDir, 'cache', 'deployments'))).toHaveLength(1);
    expect(await sharedEntries(firstNode.dataDir)).toEqual([]);

    const wrong = await node({ secretKey: 'another-key' });
    await expect(wrong.started).rejects.toMatchObject({
      code: 'SERVE_SECRET_KEY_MISMATCH',
      message: expect.stringMatching(
        /PORTICO_SECRET_KEY is not the service key.*other nodes use.*SHA-256 of PORTICO_SECRET_KEY.*copy that file to each node/,
      ),
    });
    const keyless = await node({});
    await expect(keyless.started).rejects.toMatchObject({ code: 'SERVE_SECRET_KEY_MISSING' });
    expect(await readdir(keyless.dataDir)).toEqual([]);

    const second = await (await node({ secretKey: 'the-service-key' })).started;
    const listed = await second.admin('POST', `${SITES_PATH}/shared/listAppSettings`);
    await second.close();
    await first.close();
    expect(listed.json()).toMatchObject({ properties: { S: SETTING_VALUE } });
  }, 60_000);
});
