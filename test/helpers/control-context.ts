/** A control-plane context for tests that call the services directly, on a database a test made. */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { type ControlContext, createSealer } from '../../src/control-plane/index.js';
import { validateAppSettings } from '../../src/functions-host/index.js';
import { SILENT_LOGGER } from '../../src/shared/logger.js';
import { createDiskBlobStore, type StorageDatabase } from '../../src/storage/index.js';

/**
 * The context on `storage`, with blobs and the work folder under `dir` and a fresh sealing key;
 * `overrides` replace any field (the clock, the domain, the public URL, DNS …).
 */
export function testControlContext(
  storage: StorageDatabase,
  dir: string,
  overrides: Partial<ControlContext> = {},
): ControlContext {
  return {
    db: storage.db,
    blobs: createDiskBlobStore(join(dir, 'blobs')),
    sealer: createSealer(randomBytes(32)),
    domain: 'example.test',
    workDir: join(dir, 'cache'),
    logger: SILENT_LOGGER,
    now: () => new Date(),
    publicUrl: (host) => `https://${host}`,
    validateSettings: validateAppSettings,
    ...overrides,
  };
}
