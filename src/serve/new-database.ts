/**
 * A node started on the wrong database is refused instead of serving an empty one and answering 404 for
 * every site: `portico serve` would create a new database although its data folder shows it served
 * another one before (a PostgreSQL node whose PORTICO_DATABASE_URL dropped out of its unit file, now on a
 * new SQLite file; `--database-url` added to a SQLite node). `--new-database` means it.
 */
import { mkdir, rename, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { PorticoError } from '../shared/errors.js';
import { errorMessage } from '../shared/guards.js';
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

/** A file or folder that shows a service ran with the data folder before. */
export interface Trace {
  readonly path: string;
  /** What it is, for messages: "the deployment contents". */
  readonly what: string;
}

/**
 * What shows that a service ran with this data folder before, read before anything is written: the
 * deployment contents and cache, and (on PostgreSQL) a SQLite database. Empty when the folder is new.
 */
export async function tracesOfPastService(history: DatabaseHistory): Promise<Trace[]> {
  const { dataDir, location } = history;
  const found: Trace[] = [];
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
      found.push({ path, what });
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
export async function checkSqliteHistory(history: DatabaseHistory, traces: Trace[]): Promise<boolean> {
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
  traces: Trace[],
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

/** The folder `--new-database` moves the earlier database's traces into: this, then the time of the start. */
export const SET_ASIDE_PREFIX = 'before-new-database-';

/**
 * `--new-database` on a database that is new, in a data folder with traces of another (decision 0083):
 * moves the traces into a new private folder `<data>/before-new-database-<time>` before the new database
 * is created or migrated, with a SQLite file's `-wal` and `-shm` files. Left in place, the new database's
 * collectors would delete them: the hourly sweep removes every stored content no deployment of the new
 * database refers to (all of them), and the local prune every cache folder it does not serve. Answers the
 * start-up notice, or `undefined` when nothing was to move.
 */
export async function setAsideTraces(
  history: DatabaseHistory,
  traces: Trace[],
  isNew: boolean,
  now: Date,
): Promise<string | undefined> {
  if (!isNew || !history.allowNew || traces.length === 0) {
    return undefined;
  }
  const folder = await makeAsideFolder(history.dataDir, now);
  for (const path of traces.flatMap((trace) => withCompanions(trace.path))) {
    await rename(path, join(folder, basename(path))).catch((error: unknown) => {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
        throw setAsideFailed(path, folder, error);
      }
    });
  }
  return `--new-database: what the earlier database left (${describeTraces(traces)}) was moved to ${folder}, so that the new database's clean-up never deletes it. To go back, stop the node, remove the new portico.db, portico.db-wal, portico.db-shm, blobs/ and cache/, and move its entries back into ${history.dataDir} (with the same service key); once you are sure they are not needed, delete the folder (docs/operations.md).`;
}

/** A file or folder, and for a SQLite database its `-wal` and `-shm` files. */
function withCompanions(path: string): string[] {
  return basename(path) === SQLITE_FILE ? [path, `${path}-wal`, `${path}-shm`] : [path];
}

/** Makes `<data>/before-new-database-<time>` (private), with `-2`, `-3`… when that name is taken. */
async function makeAsideFolder(dataDir: string, now: Date): Promise<string> {
  const stamp = now
    .toISOString()
    .replace(/\.\d+Z$/, 'Z')
    .replaceAll(':', '-');
  for (let n = 1; ; n++) {
    const folder = join(dataDir, `${SET_ASIDE_PREFIX}${stamp}${n === 1 ? '' : `-${n}`}`);
    const made = await mkdir(folder, { mode: 0o700 }).then(
      () => true,
      (error: unknown) => {
        if ((error as NodeJS.ErrnoException).code === 'EEXIST' && n < 100) {
          return false;
        }
        throw setAsideFailed(folder, folder, error);
      },
    );
    if (made) {
      return folder;
    }
  }
}

function setAsideFailed(path: string, folder: string, error: unknown): PorticoError {
  return new PorticoError(
    'SERVE_NEW_DATABASE_SET_ASIDE_FAILED',
    `--new-database could not move ${path} to ${folder}: ${errorMessage(error)}. The new database was not created and nothing was deleted. Move the earlier database's files out of the data folder yourself (blobs/, cache/, and a portico.db not in use), or fix the cause, and start again.`,
    { cause: error },
  );
}

function describeTraces(traces: Trace[]): string {
  return traces.map(({ what, path }) => `${what} ${path}`).join(', ');
}

function refusal(history: DatabaseHistory, traces: Trace[]): PorticoError {
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
    `portico serve would create ${where}, but the data folder ${dataDir} shows this node served another database before: ${describeTraces(traces)}. Started so, it would serve no site. Nothing was changed. ${fix} To start a new, empty database on purpose, start once with --new-database: it moves these into a dated folder of the data folder, ${SET_ASIDE_PREFIX}<time>, which you delete once you are sure.`,
  );
}
