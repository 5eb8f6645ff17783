/**
 * Tells a lost database apart from a bug: the errors the PostgreSQL driver and the system give when the
 * server cannot be reached or dropped the connection, and SQLite's when its file cannot be read or
 * written. The management API answers those 503 `STORAGE_UNAVAILABLE`, saying what is down, instead of
 * an internal error.
 */
import { PorticoError } from '../shared/errors.js';
import { errorChain, errorCode } from '../shared/guards.js';

/** System errors of a connection that could not be made or was lost. */
const CONNECTION_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
]);

/**
 * PostgreSQL's codes of a database out of reach: class 08 (connection exception), 57P01-57P04 (shutdown,
 * restart, cannot connect now, database dropped), 53000 and 53300 (out of resources, too many
 * connections), 3D000 (no such database) and 28000/28P01 (the login refused, as after a password change).
 */
const POSTGRES_DOWN = /^(?:08...|57P0[1-4]|53000|53300|3D000|28000|28P01)$/;
/** 55000 is a wide class; only its "not accepting connections" (ALLOW_CONNECTIONS false) is an outage. */
const NOT_ACCEPTING = /is not currently accepting connections/;

/** SQLite's errors of a file it cannot use. */
const SQLITE_DOWN = /^SQLITE_(?:CANTOPEN|IOERR|FULL|READONLY|NOTADB|CORRUPT)/;

/** The pg pool's own words for a connection that ended or never came. */
const DRIVER_DOWN =
  /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error/;

/** `error` as `STORAGE_UNAVAILABLE` when it (or one of its causes) says the database is out of reach. */
export function storageUnavailable(error: unknown): PorticoError | undefined {
  const down = errorChain(error).find(isDown);
  if (down === undefined) {
    return undefined;
  }
  return new PorticoError(
    'STORAGE_UNAVAILABLE',
    `The database cannot be reached (${errorCode(down) ?? down.message}), so this call could not finish; try it again once the database is back (a deploy can be repeated as it is). The server log says more.`,
    { cause: error },
  );
}

function isDown(error: Error): boolean {
  const code = errorCode(error);
  return (
    (code !== undefined &&
      (CONNECTION_CODES.has(code) || POSTGRES_DOWN.test(code) || SQLITE_DOWN.test(code))) ||
    (code === '55000' && NOT_ACCEPTING.test(error.message)) ||
    DRIVER_DOWN.test(error.message)
  );
}
