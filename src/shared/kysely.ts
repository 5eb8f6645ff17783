/**
 * The one import of Kysely in Portico: storage, the control plane and the service take its query builder,
 * dialects, migrator and `sql` from here. Kysely ships as about 260 ES modules written for bundlers;
 * Node loads every one of them, about 100 ms and 15 MB at each `portico serve` start. The build bundles
 * this module with the parts of Kysely it names into one file (`scripts/bundle-vendor.js`, decision
 * 0043). Tests run against Kysely itself through the same names.
 */

export type {
  DatabaseConnection,
  Generated,
  Migration,
  MigrationResultSet,
  PostgresDialectConfig,
  SqliteDialectConfig,
  Transaction,
  TransactionSettings,
} from 'kysely';
export {
  CompiledQuery,
  Kysely,
  Migrator,
  PostgresDialect,
  PostgresDriver,
  SqliteAdapter,
  SqliteDialect,
  SqliteDriver,
  sql,
} from 'kysely';
