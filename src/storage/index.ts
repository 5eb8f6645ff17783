/**
 * Public surface of the storage layer: the database (Kysely over SQLite or PostgreSQL), blob stores, and
 * the Redis change bus between nodes.
 */
export {
  type BlobStore,
  createDatabaseBlobStore,
  createDiskBlobStore,
  isSha256,
} from './blob-store.js';
export { type ChangeBus, changeChannel, connectChangeBus } from './change-bus.js';
export { isForeignKeyViolation, storageConflict } from './conflict.js';
export { isNewDatabase, type OpenDatabaseOptions, openDatabase, redactUrl } from './database.js';
export type * from './schema.js';
export type { DatabaseLocation, Dialect, StorageDatabase } from './types.js';
export { storageUnavailable } from './unavailable.js';
