/** Types shared by the storage layer and its users. */
import type { Kysely } from '../shared/kysely.js';
import type { Database } from './schema.js';

/** The two supported databases. */
export type Dialect = 'sqlite' | 'postgres';

/** Where the data lives: an embedded SQLite file, or a PostgreSQL server. */
export type DatabaseLocation =
  | { readonly dialect: 'sqlite'; readonly file: string }
  | { readonly dialect: 'postgres'; readonly url: string };

/** An open, migrated database. */
export interface StorageDatabase {
  readonly db: Kysely<Database>;
  readonly dialect: Dialect;
  /** The migrations this opening applied to a database that had older ones, in order (none for a new one). */
  readonly upgraded?: readonly string[];
  close(): Promise<void>;
}
