/**
 * Encryption at rest of secrets kept in the database (app setting values, deployment tokens):
 * AES-256-GCM under the service key, so a copy of the database alone does not reveal them.
 */
import { createHash } from 'node:crypto';
import { PorticoError } from '../shared/errors.js';
import { openText, sealText } from '../shared/seal.js';

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
    'A stored secret cannot be decrypted: the service key in force (PORTICO_SECRET_KEY or the key file) differs from the one it was sealed with. See docs/security.md.',
    { cause: new Error('bad sealed value') },
  );
}

/** The service key of a `PORTICO_SECRET_KEY` value: its SHA-256, as every version of Portico derived it. */
export function serviceKeyFromSecret(secret: string): Buffer {
  return createHash('sha256').update(secret).digest();
}

/** True when `sealed` (a value made by {@link Sealer.seal}) opens under `key`. */
export function opensUnder(key: Buffer, sealed: string): boolean {
  try {
    createSealer(key).unseal(sealed);
    return true;
  } catch {
    return false;
  }
}
