/**
 * Tells a write that lost a race from a bug: a key another request inserted a moment before (PostgreSQL
 * 23505, SQLite's UNIQUE and PRIMARY KEY constraints), or a lock not granted in time (PostgreSQL 55P03,
 * 40P01, 40001). The management API answers those 409 `STORAGE_CONFLICT`, saying to send the call again,
 * instead of an internal error.
 */
import { PorticoError } from '../shared/errors.js';
import { errorChain, errorCode } from '../shared/guards.js';

const POSTGRES_CONFLICT = /^(?:23505|55P03|40P01|40001)$/;
const SQLITE_CONFLICT = /^SQLITE_(?:CONSTRAINT_UNIQUE|CONSTRAINT_PRIMARYKEY|BUSY)/;
/** A row that refers to one another request deleted a moment before (PostgreSQL 23503, SQLite's). */
const FOREIGN_KEY_VIOLATION = /^(?:23503|SQLITE_CONSTRAINT_FOREIGNKEY)$/;

/**
 * True when `error` (or one of its causes) is a write that refers to a row that is gone: a site or
 * environment another request deleted between the caller's read of it and its insert.
 */
export function isForeignKeyViolation(error: unknown): boolean {
  return errorChain(error).some((cause) => {
    const code = errorCode(cause);
    return code !== undefined && FOREIGN_KEY_VIOLATION.test(code);
  });
}

/** `error` as `STORAGE_CONFLICT` when it (or one of its causes) is a lost race; undefined otherwise. */
export function storageConflict(error: unknown): PorticoError | undefined {
  const lost = errorChain(error).find((cause) => {
    const code = errorCode(cause);
    return code !== undefined && (POSTGRES_CONFLICT.test(code) || SQLITE_CONFLICT.test(code));
  });
  if (lost === undefined) {
    return undefined;
  }
  return new PorticoError(
    'STORAGE_CONFLICT',
    'Another request changed the same thing at the same moment, so this one was not applied. Read it again if it matters, then send the call again.',
    { cause: error },
  );
}
