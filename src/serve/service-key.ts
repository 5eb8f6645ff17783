/**
 * Where `portico serve`'s service key comes from, checked against the database before anything is
 * written: `PORTICO_SECRET_KEY`, or a key file (by default `<data>/service-key`, created on first
 * start). The key is never kept in the database; a key an older Portico kept there is moved to the key
 * file (written and read back first, the row deleted after, so no crash loses it).
 */
import { realpath } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import {
  isKeyOf,
  readStoredKeyState,
  recordServiceKey,
  type StoredKeyState,
  sealsAnyUnder,
  serviceKeyFromSecret,
} from '../control-plane/index.js';
import { PorticoError } from '../shared/errors.js';
import type { Kysely } from '../shared/kysely.js';
import { quoteShellWord } from '../shared/shell-quote.js';
import {
  type Database,
  type DatabaseLocation,
  openDatabase,
  type StorageDatabase,
} from '../storage/index.js';
import { createKeyFile, generateServiceKey, readKeyFile, SERVICE_KEY_FILE } from './key-file.js';

/** Where the key comes from: the environment, or a key file. */
export type KeySource =
  | { readonly kind: 'environment'; readonly secret: string }
  | { readonly kind: 'file'; readonly file: string };

/** What start-up decided, before migrations: the key, and whether its file must be created. */
interface KeyPlan {
  readonly source: KeySource;
  readonly key: Buffer;
  readonly createFile: boolean;
}

const NOTHING_CHANGED = 'Nothing was changed.';
const SEE_DOCS = 'See docs/security.md.';

/** The key source of the options; both `PORTICO_SECRET_KEY` and a key file is an error. */
export function resolveKeySource(options: {
  readonly dataDir: string;
  readonly secretKey?: string;
  readonly secretKeyFile?: string;
}): KeySource {
  const secret = options.secretKey === '' ? undefined : options.secretKey;
  const file = options.secretKeyFile === '' ? undefined : options.secretKeyFile;
  if (secret !== undefined && file !== undefined) {
    throw new PorticoError(
      'SERVE_SECRET_KEY_INVALID',
      `Both PORTICO_SECRET_KEY and a key file (--secret-key-file or PORTICO_SECRET_KEY_FILE: ${file}) are set; the service key comes from one of them. Unset one. ${SEE_DOCS}`,
    );
  }
  if (secret !== undefined) {
    return { kind: 'environment', secret };
  }
  return { kind: 'file', file: resolve(file ?? join(options.dataDir, SERVICE_KEY_FILE)) };
}

/**
 * Opens and migrates the database with the service key checked first: the key state is read before any
 * migration, a wrong or missing key is refused before anything is written, then the plan is carried out.
 * Nothing is written (database, key file) before `writable` resolves ({@link openDatabase}); `check`
 * reads the database before the key is (a throw refuses the start). Returns the key in force and the
 * start-up warnings.
 */
export async function openKeyedStorage(
  location: DatabaseLocation,
  source: KeySource,
  writable?: Promise<void>,
  check?: (db: Kysely<Database>) => Promise<void>,
): Promise<{ storage: StorageDatabase; key: Buffer; warnings: string[] }> {
  let plan: KeyPlan | undefined;
  const storage = await openDatabase(location, {
    beforeMigrate: async (db) => {
      await check?.(db);
      plan = await planServiceKey(db, source);
    },
    writable,
  });
  try {
    if (plan === undefined) {
      throw new Error('the service key was not checked before migrating');
    }
    await applyKeyPlan(storage, plan);
    const warning =
      location.dialect === 'sqlite' ? await keyBesideDatabase(source, location.file) : undefined;
    return { storage, key: plan.key, warnings: warning === undefined ? [] : [warning] };
  } catch (error) {
    await storage.close();
    throw error;
  }
}

/** Reads the database (no writes) and decides which key is in force; refuses a key the data was not sealed under. */
async function planServiceKey(db: Kysely<Database>, source: KeySource): Promise<KeyPlan> {
  const state = await readStoredKeyState(db);
  return source.kind === 'environment' ? planFromSecret(state, source) : planFromFile(state, source);
}

function planFromSecret(state: StoredKeyState, source: KeySource & { kind: 'environment' }): KeyPlan {
  const key = serviceKeyFromSecret(source.secret);
  const legacy = state.legacyKey;
  if (legacy !== undefined && !legacy.equals(key) && sealsAnyUnder(state, legacy)) {
    throw mismatch(
      'This database still holds the service key an older Portico generated, and data is sealed under it, but PORTICO_SECRET_KEY is set to another key.',
      'Start once without PORTICO_SECRET_KEY: the stored key moves to the key file (<data>/service-key, or --secret-key-file <path>), and keep using that key file on every start.',
    );
  }
  if (!isKeyOf(state, key)) {
    throw mismatch(
      "PORTICO_SECRET_KEY is not the service key this database's data was sealed under.",
      "Set the PORTICO_SECRET_KEY the service's other nodes use, or unset it if the service used a key file (--secret-key-file, PORTICO_SECRET_KEY_FILE): the key is the SHA-256 of PORTICO_SECRET_KEY, so a key file's content given as PORTICO_SECRET_KEY is another key, and no value of it gives a key file's key. To share a key file's key, copy that file to each node (mode 0600) and point --secret-key-file at it.",
    );
  }
  return { source, key, createFile: false };
}

async function planFromFile(state: StoredKeyState, source: KeySource & { kind: 'file' }): Promise<KeyPlan> {
  const existing = await readKeyFile(source.file);
  const key = existing ?? state.legacyKey;
  if (existing !== undefined && state.legacyKey !== undefined && !existing.equals(state.legacyKey)) {
    throw mismatch(
      `The key file ${source.file} differs from the service key an older Portico stored in this database, so the stored key cannot be moved there.`,
      'If that key file belongs to another database, start with --secret-key-file <new path> (the stored key is moved there); if you restored it from a backup, check it is the right one.',
    );
  }
  if (key === undefined) {
    if (state.verifier !== undefined || state.samples.length > 0) {
      throw missingKey(source.file);
    }
    return { source, key: generateServiceKey(), createFile: true };
  }
  if (!isKeyOf(state, key)) {
    throw mismatch(
      `The service key in ${source.file} is not the one this database's data was sealed under.`,
      'Use the key file that belongs to this database (--secret-key-file, PORTICO_SECRET_KEY_FILE), or the PORTICO_SECRET_KEY of the service’s other nodes.',
    );
  }
  return { source, key, createFile: existing === undefined };
}

/**
 * Carries out a plan once the database is migrated: creates the key file (and reads it back), then
 * records the key's verifier and deletes a legacy key row. Refuses when another node recorded another key.
 */
async function applyKeyPlan(storage: StorageDatabase, plan: KeyPlan): Promise<void> {
  if (plan.createFile && plan.source.kind === 'file') {
    await createKeyFile(plan.source.file, plan.key);
  }
  if (!(await recordServiceKey(storage.db, storage.dialect, plan.key))) {
    throw mismatch(
      'Another node recorded a different service key for this database while this one was starting.',
      'Give every node the same PORTICO_SECRET_KEY (or a copy of the same key file).',
    );
  }
}

/** The start-up warning when the key file is in the SQLite database's folder, else undefined. */
async function keyBesideDatabase(source: KeySource, databaseFile: string): Promise<string | undefined> {
  if (source.kind !== 'file') {
    return undefined;
  }
  const real = (path: string) => realpath(path).catch(() => resolve(path));
  if ((await real(dirname(source.file))) !== (await real(dirname(databaseFile)))) {
    return undefined;
  }
  const elsewhere = '/etc/portico/service-key';
  return [
    `The service key file ${source.file} is in the same folder as the database ${databaseFile}: a backup or copy of that folder holds both, and with them every app setting and deployment token.`,
    `Keep the key elsewhere: stop the service, run mkdir -p -m 700 ${dirname(elsewhere)} && mv ${quoteShellWord(source.file)} ${elsewhere}, then start with --secret-key-file ${elsewhere} (or PORTICO_SECRET_KEY_FILE=${elsewhere}), and back the key up apart from the data. ${SEE_DOCS}`,
  ].join(' ');
}

function mismatch(what: string, fix: string): PorticoError {
  return new PorticoError('SERVE_SECRET_KEY_MISMATCH', `${what} ${NOTHING_CHANGED} ${fix} ${SEE_DOCS}`);
}

function missingKey(file: string): PorticoError {
  return new PorticoError(
    'SERVE_SECRET_KEY_MISSING',
    `This database holds data sealed under a service key that is not here: the key file ${file} does not exist and PORTICO_SECRET_KEY is not set. ${NOTHING_CHANGED} Restore the key file from your backup, point --secret-key-file (PORTICO_SECRET_KEY_FILE) at it, or set the PORTICO_SECRET_KEY the service's other nodes use. ${SEE_DOCS}`,
  );
}
