/**
 * Kysely's SQLite dialect with two changes, so that the database never ends up half migrated:
 * - migrations run in one transaction (Kysely's SQLite adapter says SQLite has no transactional DDL, so
 *   each migration's tables were committed before its row in `kysely_migration`: a process killed in
 *   between left tables that the next start tried to create again, and it never started);
 * - every transaction begins IMMEDIATE: it takes the write lock before it reads, so a second process
 *   migrating the same file at once waits for the first (`busy_timeout`) and then finds nothing to do,
 *   and no transaction fails on upgrading its read lock;
 * - a transaction SQLite already rolled back itself (on SQLITE_FULL, SQLITE_IOERR, SQLITE_NOMEM, …) is
 *   not rolled back again: Kysely's second `rollback` failed ("cannot rollback - no transaction is
 *   active") and that error replaced the real cause, so a full disk was a 500 instead of a 503
 *   STORAGE_UNAVAILABLE naming SQLITE_FULL.
 */
import {
  CompiledQuery,
  type DatabaseConnection,
  SqliteAdapter,
  SqliteDialect,
  type SqliteDialectConfig,
  SqliteDriver,
} from '../shared/kysely.js';

class TransactionalDdlAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

/** What better-sqlite3's database tells of its transaction (Kysely's type leaves it out). */
interface TransactionState {
  readonly inTransaction: boolean;
}

class ImmediateTransactionDriver extends SqliteDriver {
  readonly #database: SqliteDialectConfig['database'];

  constructor(config: SqliteDialectConfig) {
    super(config);
    this.#database = config.database;
  }

  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }

  override async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    const database = this.#database as Partial<TransactionState> | undefined;
    if (typeof this.#database !== 'function' && database?.inTransaction === false) {
      return;
    }
    await super.rollbackTransaction(connection);
  }
}

/** The SQLite dialect of Portico's database (see the module comment). */
export class PorticoSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;

  constructor(config: SqliteDialectConfig) {
    super(config);
    this.#config = config;
  }

  override createDriver(): SqliteDriver {
    return new ImmediateTransactionDriver(this.#config);
  }

  override createAdapter(): SqliteAdapter {
    return new TransactionalDdlAdapter();
  }
}
