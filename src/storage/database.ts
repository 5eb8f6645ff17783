/**
 * Opens the control plane's database: embedded SQLite (better-sqlite3, WAL) or PostgreSQL (pg pool),
 * behind one Kysely query layer, and applies the pending migrations before anything else runs.
 */
import { dirname } from 'node:path';
import { PorticoError } from '../shared/errors.js';
import { errorMessage } from '../shared/guards.js';
import { Kysely, type MigrationResultSet, Migrator } from '../shared/kysely.js';
import { makeFilePrivateSync, makePrivateDirSync, touchPrivateFileSync } from '../shared/private-fs.js';
import { createMigrations } from './migrations/index.js';
import { PorticoPostgresDialect } from './postgres-dialect.js';
import type { Database } from './schema.js';
import { PorticoSqliteDialect } from './sqlite-dialect.js';
import type { DatabaseLocation, StorageDatabase } from './types.js';

const PG_INT8_OID = 20;
/** Kysely's migration table (its default name): present once Portico migrated the database. */
const MIGRATION_TABLE = 'kysely_migration';

/** What {@link openDatabase} runs between connecting and migrating. */
export interface OpenDatabaseOptions {
  /**
   * Runs on the connected database before any migration writes to it (the tables of older versions, or
   * none, may be there); a throw closes the database and is rethrown (a failed query as the database being
   * unreachable).
   */
  readonly beforeMigrate?: (db: Kysely<Database>) => Promise<void>;
  /**
   * Nothing is written before it resolves; when it rejects, the database is closed and its reason rethrown
   * as it is. SQLite's file is created after it (the driver loads before); PostgreSQL connects and
   * `beforeMigrate` reads before it, the migrations wait. `portico serve` passes its sandbox probe here, so
   * that a start that fails on the sandbox leaves the database and its folder as they were.
   */
  readonly writable?: Promise<void>;
}

/**
 * Opens (creating when needed) and migrates the database at `location`. An embedded SQLite file, its
 * `-wal` and `-shm` files and its folder are private to the service's user.
 */
export async function openDatabase(
  location: DatabaseLocation,
  options: OpenDatabaseOptions = {},
): Promise<StorageDatabase> {
  const db = await connect(location, options.writable);
  let upgraded: string[];
  try {
    await options.beforeMigrate?.(db).catch((error: unknown) => {
      throw error instanceof PorticoError ? error : unreachable(location, error);
    });
    await options.writable;
    upgraded = await migrate(db, location);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return { db, dialect: location.dialect, upgraded, close: () => db.destroy() };
}

/**
 * Only the driver of the dialect in use is loaded (decision 0035): SQLite never loads pg, nor the reverse.
 * Opening SQLite creates its file, so it waits for `writable` (with its driver loaded meanwhile).
 */
async function connect(
  location: DatabaseLocation,
  writable: Promise<void> | undefined,
): Promise<Kysely<Database>> {
  if (location.dialect === 'postgres') {
    return reachable(location, () => openPostgres(location.url));
  }
  const driver = await reachable(location, loadSqlite);
  await writable;
  return reachable(location, async () => openSqlite(driver, location.file));
}

/** Runs a step of connecting; its failure is the database being unreachable. */
async function reachable<T>(location: DatabaseLocation, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    throw unreachable(location, error);
  }
}

type SqliteDriver = typeof import('better-sqlite3');

async function loadSqlite(): Promise<SqliteDriver> {
  const { default: driver } = await import('better-sqlite3');
  return driver;
}

function openSqlite(BetterSqlite3: SqliteDriver, file: string): Kysely<Database> {
  makePrivateDirSync(dirname(file));
  // SQLite gives the -wal and -shm files the mode of the database file, so a private file keeps them private.
  touchPrivateFileSync(file);
  makeFilePrivateSync(`${file}-wal`);
  makeFilePrivateSync(`${file}-shm`);
  const sqlite = new BetterSqlite3(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('synchronous = NORMAL');
  return new Kysely<Database>({ dialect: new PorticoSqliteDialect({ database: sqlite }) });
}

async function openPostgres(url: string): Promise<Kysely<Database>> {
  const { default: pg } = await import('pg');
  const pool = new pg.Pool({
    connectionString: url,
    max: 10,
    // Sizes and sequence numbers are int8: read them as numbers (they stay far below 2^53).
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === PG_INT8_OID ? Number : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  });
  // An idle client losing its server must not crash the process; the next query reports it.
  pool.on('error', () => {});
  // Nor may a client in use (pg emits `error` on it besides failing its query, and no one else listens).
  pool.on('connect', (client) => client.on('error', () => {}));
  return new Kysely<Database>({ dialect: new PorticoPostgresDialect({ pool }) });
}

/**
 * True when Portico never migrated this database (its migration table is missing): a new, empty one.
 * Reads only.
 */
export async function isNewDatabase(db: Kysely<Database>): Promise<boolean> {
  const tables = await db.introspection.getTables({ withInternalKyselyTables: true });
  return !tables.some((table) => table.name === MIGRATION_TABLE);
}

/** Applies the pending migrations; answers their names when the database had older ones (an upgrade). */
async function migrate(db: Kysely<Database>, location: DatabaseLocation): Promise<string[]> {
  const migrations = createMigrations(location.dialect);
  const migrator = new Migrator({ db, provider: { getMigrations: async () => migrations } });
  let result: MigrationResultSet;
  try {
    result = await migrator.migrateToLatest();
  } catch (error) {
    throw unreachable(location, error);
  }
  if (result.error !== undefined) {
    throw tooNew(location, result.error) ?? unreachable(location, result.error);
  }
  const applied = (result.results ?? []).map((one) => one.migrationName);
  // The first migration creates the schema: applied only to a new database, which is no upgrade.
  return applied[0] === Object.keys(migrations)[0] ? [] : applied;
}

/**
 * Kysely's refusal of a database that has a migration this version does not know: a newer Portico
 * upgraded it (a node left behind in a rolling upgrade, or a downgrade). Said as such, not as a
 * corrupted or unreachable database.
 */
function tooNew(location: DatabaseLocation, cause: unknown): PorticoError | undefined {
  const missing = /previously executed migration (\S+) is missing/.exec(errorMessage(cause))?.[1];
  if (missing === undefined) {
    return undefined;
  }
  const where = location.dialect === 'sqlite' ? location.file : redactUrl(location.url);
  return new PorticoError(
    'STORAGE_TOO_NEW',
    `The database at ${where} was upgraded by a newer version of Portico (it has its migration ${missing}, which this version does not know), so this version cannot run on it. Run the newer version on every node, or restore a backup taken before the upgrade.`,
    { cause },
  );
}

function unreachable(location: DatabaseLocation, cause: unknown): PorticoError {
  const where = location.dialect === 'sqlite' ? location.file : redactUrl(location.url);
  const reason = errorMessage(cause);
  return new PorticoError(
    'STORAGE_UNAVAILABLE',
    `Cannot open the database at ${where}: ${reason}. Check --data or --database-url (and that the server is running).`,
    { cause },
  );
}

/** A database URL without its password, for messages. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') {
      parsed.password = '***';
    }
    return parsed.toString();
  } catch {
    return '(an unparsable database URL)';
  }
}
