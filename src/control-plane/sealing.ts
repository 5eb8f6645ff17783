/**
 * Encryption at rest of secrets kept in the database (app setting values, deployment tokens):
 * AES-256-GCM under the service key, so a copy of the database alone does not reveal them.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { PorticoError } from '../shared/errors.js';
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
    seal(plain) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return `${VERSION}.${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url')}`;
    },
    unseal(sealed) {
      const [version, payload] = sealed.split('.', 2);
      const bytes = Buffer.from(payload ?? '', 'base64url');
      if (version !== VERSION || bytes.length < 28) {
        throw sealError();
      }
      const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, 12));
      decipher.setAuthTag(bytes.subarray(12, 28));
      try {
        return Buffer.concat([decipher.update(bytes.subarray(28)), decipher.final()]).toString('utf8');
      } catch (cause) {
        throw sealError(cause);
      }
    },
  };
}

function sealError(cause?: unknown): PorticoError {
  return new PorticoError(
    'STORAGE_UNAVAILABLE',
    'A stored secret cannot be decrypted: the service key (PORTICO_SECRET_KEY) differs from the one it was sealed with.',
    { cause: cause ?? new Error('bad sealed value') },
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
