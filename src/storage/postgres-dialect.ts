/**
 * Kysely's PostgreSQL dialect, with every transaction taking one advisory lock of the database first:
 * the transactions of the control plane (on every node) run one at a time, as SQLite's do, so the check a
 * transaction makes (an `If-Match` version, a name not yet taken) still holds when it writes. Under READ
 * COMMITTED two of them could both pass the check and both write: a lost update, or a duplicate key.
 * `lock_timeout` bounds the wait, so a transaction that would wait on itself (through a second pooled
 * connection) fails instead of hanging.
 */
import {
  CompiledQuery,
  type DatabaseConnection,
  PostgresDialect,
  type PostgresDialectConfig,
  PostgresDriver,
  type TransactionSettings,
} from '../shared/kysely.js';

/** The advisory lock key of Portico's transactions ("port" in ASCII). */
const TRANSACTION_LOCK = 0x706f7274;
/** The longest a transaction waits for the lock (or any row lock). */
const LOCK_TIMEOUT = '10s';

class SerializedTransactionDriver extends PostgresDriver {
  override async beginTransaction(
    connection: DatabaseConnection,
    settings: TransactionSettings,
  ): Promise<void> {
    await super.beginTransaction(connection, settings);
    await connection.executeQuery(CompiledQuery.raw(`set local lock_timeout = '${LOCK_TIMEOUT}'`));
    await connection.executeQuery(CompiledQuery.raw(`select pg_advisory_xact_lock(${TRANSACTION_LOCK})`));
  }
}

/** The PostgreSQL dialect of Portico's database (see the module comment). */
export class PorticoPostgresDialect extends PostgresDialect {
  readonly #config: PostgresDialectConfig;

  constructor(config: PostgresDialectConfig) {
    super(config);
    this.#config = config;
  }

  override createDriver(): PostgresDriver {
    return new SerializedTransactionDriver(this.#config);
  }
}
