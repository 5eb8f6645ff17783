/** A control-plane context for tests that call the services directly, on a database a test made. */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { type ControlContext, createSealer } from '../../src/control-plane/index.js';
import { validateAppSettings } from '../../src/functions-host/index.js';
import { SILENT_LOGGER } from '../../src/shared/logger.js';
import {
  type BlobStore,
  createDatabaseBlobStore,
  createDiskBlobStore,
  type StorageDatabase,
} from '../../src/storage/index.js';

/** What a test changes: any field of the context, and where its blobs live. */
export type TestControlOverrides = Partial<ControlContext> & {
  /**
   * `'serve'`: where `portico serve` keeps them on this database (a folder on SQLite, the database itself
   * on PostgreSQL), for the suites that cover the blob store of each dialect; default `'disk'`.
   */
  readonly blobsAs?: 'disk' | 'serve';
};

/**
 * The context on `storage`, with blobs and the work folder under `dir` and a fresh sealing key;
 * `overrides` replace any field (the clock, the domain, the public URL, DNS …).
 * @example
 * const ctx = testControlContext(storage, created.dir, { blobsAs: 'serve', now: () => new Date(now) });
 */
export function testControlContext(
  storage: StorageDatabase,
  dir: string,
  overrides: TestControlOverrides = {},
): ControlContext {
  const { blobsAs = 'disk', ...fields } = overrides;
  return {
    db: storage.db,
    blobs: blobStoreOf(storage, dir, blobsAs),
    sealer: createSealer(randomBytes(32)),
    domain: 'example.test',
    workDir: join(dir, 'cache'),
    logger: SILENT_LOGGER,
    now: () => new Date(),
    publicUrl: (host) => `https://${host}`,
    validateSettings: validateAppSettings,
    ...fields,
  };
}

function blobStoreOf(storage: StorageDatabase, dir: string, blobsAs: 'disk' | 'serve'): BlobStore {
  return blobsAs === 'serve' && storage.dialect !== 'sqlite'
    ? createDatabaseBlobStore(storage.db)
    : createDiskBlobStore(join(dir, 'blobs'));
}
