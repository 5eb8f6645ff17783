/**
 * What the database holds about the service key: never the key itself (an older Portico kept a generated
 * one in `service_values`; it is moved out on start), only a verifier that tells the right key from a
 * wrong one and reveals nothing about it. Read before any migration, so a wrong key is refused before
 * anything is written.
 */
import { createHmac } from 'node:crypto';
import { type Kysely, sql } from '../shared/kysely.js';
import type { Database, Dialect } from '../storage/index.js';
import { createSealer, opensUnder } from './sealing.js';

/** `service_values` row an older Portico kept its generated key in (base64). */
const LEGACY_KEY_ROW = 'service-key';
/** `service_values` row of the verifier. */
const VERIFIER_ROW = 'service-key-verifier';
const VERIFIER_LABEL = 'portico service key verifier v1';

/** Sealed columns, by table: a sample of each tells whether data was sealed under a key. */
const SEALED_COLUMNS: ReadonlyArray<readonly [string, string]> = [
  ['sites', 'deployment_token_sealed'],
  ['app_settings', 'value_sealed'],
  ['apim_entities', 'secret_sealed'],
  ['linked_backends', 'details_sealed'],
  ['signing_keys', 'private_sealed'],
];

/** The database's side of the service key. */
export interface StoredKeyState {
  /** The key an older Portico generated and kept in the database, when it is still there. */
  readonly legacyKey?: Buffer;
  /** The verifier of the key the data is sealed under, once a start has recorded it. */
  readonly verifier?: string;
  /** One sealed value per table that holds some: what a key is tested on when there is no verifier. */
  readonly samples: readonly string[];
}

/** Reads the key state without writing; works on a database of any earlier version, or an empty one. */
export async function readStoredKeyState(db: Kysely<Database>): Promise<StoredKeyState> {
  const tables = new Set((await db.introspection.getTables()).map((t) => t.name));
  const values = tables.has('service_values')
    ? await db.selectFrom('service_values').select(['name', 'value']).execute()
    : [];
  const legacy = values.find((row) => row.name === LEGACY_KEY_ROW)?.value;
  const verifier = values.find((row) => row.name === VERIFIER_ROW)?.value;
  const samples: string[] = [];
  for (const [table, column] of SEALED_COLUMNS.filter(([table]) => tables.has(table))) {
    const { rows } = await sql<{ v: string }>`select ${sql.ref(column)} as v from ${sql.table(table)}
      where ${sql.ref(column)} is not null limit 1`.execute(db);
    samples.push(...rows.map((row) => row.v));
  }
  return {
    ...(legacy === undefined ? {} : { legacyKey: Buffer.from(legacy, 'base64') }),
    ...(verifier === undefined ? {} : { verifier }),
    samples,
  };
}

/** The verifier of `key`: an HMAC of a fixed label under a key derived for this purpose only. */
export function keyVerifier(key: Buffer): string {
  const derived = createSealer(key).deriveKey('service-key-verifier');
  return `v1.${createHmac('sha256', derived).update(VERIFIER_LABEL).digest('base64url')}`;
}

/** True when the stored data was sealed under `key`: its verifier matches, or (before one) every sample opens. */
export function isKeyOf(state: StoredKeyState, key: Buffer): boolean {
  if (state.verifier !== undefined) {
    return state.verifier === keyVerifier(key);
  }
  return state.samples.every((sealed) => opensUnder(key, sealed));
}

/** True when some stored data opens under `key` (whether the legacy key is in use). */
export function sealsAnyUnder(state: StoredKeyState, key: Buffer): boolean {
  return state.samples.some((sealed) => opensUnder(key, sealed));
}

/**
 * Records `key`'s verifier (unless one is there) and deletes the legacy key row, in one transaction; on
 * SQLite the deleted row is overwritten and the write-ahead log emptied, so the old key leaves the files.
 * Returns whether the recorded verifier is `key`'s (false: another node recorded a different key first).
 */
export async function recordServiceKey(
  db: Kysely<Database>,
  dialect: Dialect,
  key: Buffer,
): Promise<boolean> {
  const verifier = keyVerifier(key);
  if (dialect === 'sqlite') {
    await sql`pragma secure_delete = on`.execute(db);
  }
  await db.transaction().execute(async (trx) => {
    await trx
      .insertInto('service_values')
      .values({ name: VERIFIER_ROW, value: verifier })
      .onConflict((oc) => oc.column('name').doNothing())
      .execute();
    await trx.deleteFrom('service_values').where('name', '=', LEGACY_KEY_ROW).execute();
  });
  if (dialect === 'sqlite') {
    await sql`pragma wal_checkpoint(truncate)`.execute(db);
  }
  const row = await db
    .selectFrom('service_values')
    .select('value')
    .where('name', '=', VERIFIER_ROW)
    .executeTakeFirst();
  return row?.value === verifier;
}
