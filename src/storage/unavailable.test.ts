import { describe, expect, it } from 'vitest';
import { storageUnavailable } from './unavailable.js';

/** An error as the pg driver makes it: a message and PostgreSQL's SQLSTATE code. */
function pgError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

describe('storageUnavailable', () => {
  it.each([
    ['57P01', 'terminating connection due to administrator command'],
    ['57P03', 'the database system is starting up'],
    ['57P04', 'database dropped'],
    ['53300', 'sorry, too many clients already'],
    ['3D000', 'database "portico" does not exist'],
    ['28P01', 'password authentication failed for user "portico"'],
    ['55000', 'database "portico" is not currently accepting connections'],
    ['08006', 'connection failure'],
  ])('reads PostgreSQL %s as the database out of reach', (code, message) => {
    const wrapped = new Error('query failed', { cause: pgError(code, message) });
    const unavailable = storageUnavailable(wrapped);
    expect(unavailable?.code).toBe('STORAGE_UNAVAILABLE');
    expect(unavailable?.message).toContain(`The database cannot be reached (${code})`);
    expect(unavailable?.message).not.toContain('nothing was read or changed');
  });

  it('leaves other errors alone, 55000 included when it is not about connections', () => {
    expect(
      storageUnavailable(pgError('55000', 'currval of sequence "s" is not yet defined')),
    ).toBeUndefined();
    expect(storageUnavailable(pgError('23505', 'duplicate key value'))).toBeUndefined();
    expect(storageUnavailable(new Error('something else'))).toBeUndefined();
  });
});
