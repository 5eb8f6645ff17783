/**
 * A node started on the wrong database is refused instead of serving an empty one and answering 404 for
 * every site: `portico serve` would create a new database although its data folder shows it served
 * another one before (a PostgreSQL node whose PORTICO_DATABASE_URL dropped out of its unit file, now on a
 * new SQLite file; `--database-url` added to a SQLite node). `--new-database` means it.
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { PorticoError } from '../shared/errors.js';
import type { Kysely } from '../shared/kysely.js';
import { type Database, type DatabaseLocation, isNewDatabase, redactUrl } from '../storage/index.js';

/** What a start needs to judge its database. */
export interface DatabaseHistory {
  readonly dataDir: string;
  readonly location: DatabaseLocation;
  /** `--new-database`: a new database is what the operator wants. */
  readonly allowNew: boolean;
}

/** The SQLite file a data folder holds (the same name as the service's). */
export const SQLITE_FILE = 'portico.db';

/**
 * What shows that a service ran with this data folder before, read before anything is written: the
 * deployment contents and cache, and (on PostgreSQL) a SQLite database. Empty when the folder is new.
 */
export async function tracesOfPastService(history: DatabaseHistory): Promise<string[]> {
  const { dataDir, location } = history;
  const found: string[] = [];
  // Not the key file nor the admin token: they are often made (or mounted as secrets) ahead of a first
  // start. What a service leaves of its sites is.
  const candidates: [string, string][] = [
    [join(dataDir, 'blobs'), 'the deployment contents'],
    [join(dataDir, 'cache'), 'the deployment cache'],
    ...(location.dialect === 'postgres'
      ? [[join(dataDir, SQLITE_FILE), 'the SQLite database'] as [string, string]]
      : []),
  ];
  for (const [path, what] of candidates) {
    if (await hasContent(path)) {
      found.push(`${what} ${path}`);
    }
  }
  return found;
}

/** True when a file with bytes, or a folder, is at `path`. */
async function hasContent(path: string): Promise<boolean> {
  const found = await stat(path).catch(() => undefined);
  return found !== undefined && (found.isDirectory() || found.size > 0);
}

/**
 * Refuses a new SQLite database (its file missing or empty) in a data folder a service used, before
 * anything is written; answers whether the database is new.
 */
export async function checkSqliteHistory(history: DatabaseHistory, traces: string[]): Promise<boolean> {
  if (history.location.dialect !== 'sqlite') {
    return false;
  }
  const isNew = !(await hasContent(history.location.file));
  if (isNew && traces.length > 0 && !history.allowNew) {
    throw refusal(history, traces);
  }
  return isNew;
}

/**
 * Refuses a new PostgreSQL database when the data folder shows a past service; reads only (run before
 * migrating). Answers whether the database is new.
 */
export async function checkPostgresHistory(
  db: Kysely<Database>,
  history: DatabaseHistory,
  traces: string[],
): Promise<boolean> {
  const isNew = await isNewDatabase(db);
  if (isNew && traces.length > 0 && !history.allowNew) {
    throw refusal(history, traces);
  }
  return isNew;
}

/**
 * The start-up warnings about the database: a SQLite file left in the data folder of a PostgreSQL node
 * (not used, nothing moves it), and `--new-database` left on once the database exists.
 */
export async function historyWarnings(history: DatabaseHistory, isNew: boolean): Promise<string[]> {
  const warnings: string[] = [];
  const sqliteFile = join(history.dataDir, SQLITE_FILE);
  if (history.location.dialect === 'postgres' && !isNew && (await hasContent(sqliteFile))) {
    warnings.push(
      `The data folder holds a SQLite database, ${sqliteFile}, which this node does not use: it serves the PostgreSQL database at ${redactUrl(history.location.url)}. The sites in ${sqliteFile} are not served, and no Portico command moves them to PostgreSQL (docs/operations.md). If it is left from before, move it out of the data folder.`,
    );
  }
  if (history.allowNew && !isNew) {
    warnings.push(
      '--new-database was given but the database already existed: remove it (from the unit file too), so that a start on a wrong or missing database URL is refused again.',
    );
  }
  return warnings;
}

function refusal(history: DatabaseHistory, traces: string[]): PorticoError {
  const { location, dataDir } = history;
  const where =
    location.dialect === 'sqlite'
      ? `a new SQLite database ${location.file} (no --database-url or PORTICO_DATABASE_URL is set)`
      : `a new, empty PostgreSQL database at ${redactUrl(location.url)}`;
  const fix =
    location.dialect === 'sqlite'
      ? 'If this node runs on PostgreSQL, give its --database-url or PORTICO_DATABASE_URL again (check the unit file or environment); if you restored a backup, put portico.db back in the data folder.'
      : `Check that --database-url (PORTICO_DATABASE_URL) names the service's database. No Portico command moves a SQLite database's sites to PostgreSQL (docs/operations.md).`;
  return new PorticoError(
    'SERVE_NEW_DATABASE_REFUSED',
    `portico serve would create ${where}, but the data folder ${dataDir} shows this node served another database before: ${traces.join(', ')}. Started so, it would serve no site. Nothing was changed. ${fix} To start a new, empty database on purpose, start once with --new-database.`,
  );
}
