/**
 * Sealing small values: AES-256-GCM (encrypted and authenticated) under a 32-byte key, base64url of
 * IV, tag and ciphertext. Whoever lacks the key can neither read nor make nor alter a sealed value.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const IV_BYTES = 12;
const TAG_BYTES = 16;

/** Seals a string. */
export function sealText(key: Buffer, text: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([cipher.update(text, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
}

/** Opens a value sealed by {@link sealText} under the same key; undefined for anything else. */
export function openText(key: Buffer, sealed: string): string | undefined {
  try {
    const bytes = Buffer.from(sealed, 'base64url');
    if (bytes.length < IV_BYTES + TAG_BYTES) {
      return undefined;
    }
    const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, IV_BYTES));
    decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    return Buffer.concat([decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString(
      'utf8',
    );
  } catch {
    return undefined;
  }
}

/** Seals a JSON-serializable value. */
export function sealJson(key: Buffer, value: unknown): string {
  return sealText(key, JSON.stringify(value));
}

/** Opens a value sealed by {@link sealJson} under the same key; undefined for anything else. */
export function openJson(key: Buffer, sealed: string): unknown {
  const text = openText(key, sealed);
  if (text === undefined || text === '') {
    return undefined;
  }
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
