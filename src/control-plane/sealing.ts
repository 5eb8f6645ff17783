/**
 * Encryption at rest of secrets kept in the database (app setting values, deployment tokens):
 * AES-256-GCM under the service key, so a copy of the database alone does not reveal them.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { PorticoError } from '../shared/errors.js';
import { openText, sealText } from '../shared/seal.js';
import type { Database } from '../storage/index.js';

const VERSION = 'v1';

/** Seals and opens short strings, and derives purpose-bound keys from the service key. */
export interface Sealer {
  seal(plain: string): string;
  unseal(sealed: string): string;
  /** A 32-byte key for one purpose (`sessions:<site id>`, `user-id`…); never the service key itself. */
  deriveKey(purpose: string): Buffer;
}

/** A sealer over a 32-byte key. */
export function createSealer(key: Buffer): Sealer {
  if (key.length !== 32) {
    throw new Error('the service key must be 32 bytes');
  }
  return {
    deriveKey: (purpose) => createHash('sha256').update(key).update(`portico:${purpose}`).digest(),
    seal: (plain) => `${VERSION}.${sealText(key, plain)}`,
    unseal(sealed) {
      const [version, payload] = sealed.split('.', 2);
      const plain = version === VERSION ? openText(key, payload ?? '') : undefined;
      if (plain === undefined) {
        throw sealError();
      }
      return plain;
    },
  };
}

function sealError(): PorticoError {
  return new PorticoError(
    'STORAGE_UNAVAILABLE',
    'A stored secret cannot be decrypted: the service key (PORTICO_SECRET_KEY) differs from the one it was sealed with.',
    { cause: new Error('bad sealed value') },
  );
}

/**
 * The service key: derived from `PORTICO_SECRET_KEY` when the operator sets one (every node of a
 * multi-node service must then set the same), else generated once and kept in the database.
 */
export async function resolveServiceKey(
  db: Kysely<Database>,
  configured: string | undefined,
): Promise<Buffer> {
  if (configured !== undefined && configured !== '') {
    return createHash('sha256').update(configured).digest();
  }
  await db
    .insertInto('service_values')
    .values({ name: 'service-key', value: randomBytes(32).toString('base64') })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
  const row = await db
    .selectFrom('service_values')
    .select('value')
    .where('name', '=', 'service-key')
    .executeTakeFirstOrThrow();
  return Buffer.from(row.value, 'base64');
}
