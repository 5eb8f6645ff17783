/**
 * The service key file: one line of base64 holding the 32-byte key, mode 0600, created once and never
 * rewritten. It is published atomically (a `wx` temporary file, flushed, then linked into place, which
 * never replaces an existing file), so a crash leaves either no key file or a whole one.
 */
import { randomBytes } from 'node:crypto';
import { link, readFile, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { PorticoError } from '../shared/errors.js';
import { makePrivateDir, syncDir, tighten, writeNewPrivateFile } from '../shared/private-fs.js';

/** File name of the default key file inside the data folder. */
export const SERVICE_KEY_FILE = 'service-key';
const KEY_BYTES = 32;

/** A new random service key. */
export function generateServiceKey(): Buffer {
  return randomBytes(KEY_BYTES);
}

/** The key in `file`, or undefined when there is no such file; a file that holds no key is an error. */
export async function readKeyFile(file: string): Promise<Buffer | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      return undefined;
    }
    throw invalidKeyFile(file, `it cannot be read (${(error as Error).message})`, error);
  }
  const key = Buffer.from(text.trim(), 'base64');
  if (key.length !== KEY_BYTES || key.toString('base64') !== text.trim()) {
    throw invalidKeyFile(file, `it does not hold a service key (one line of base64 of ${KEY_BYTES} bytes)`);
  }
  // A key file someone else may read is made private, as Portico would have created it.
  await tighten(file);
  return key;
}

/**
 * Creates `file` holding `key` (with its folder, private, when missing), then reads it back: it returns
 * only once the key is on disk. An existing file is never replaced (it fails with `EEXIST`).
 */
export async function createKeyFile(file: string, key: Buffer): Promise<void> {
  await makePrivateDir(dirname(file));
  const temporary = `${file}.tmp`;
  await rm(temporary, { force: true });
  try {
    await writeNewPrivateFile(temporary, `${key.toString('base64')}\n`);
    await link(temporary, file).catch((error: NodeJS.ErrnoException) => {
      throw error.code === 'EEXIST'
        ? invalidKeyFile(file, 'another start created it meanwhile; start again to use it', error)
        : error;
    });
  } finally {
    await rm(temporary, { force: true });
  }
  await syncDir(dirname(file));
  const written = await readKeyFile(file);
  if (written === undefined || !written.equals(key)) {
    throw invalidKeyFile(file, 'it does not read back as the key just written (check the disk)');
  }
}

function invalidKeyFile(file: string, why: string, cause?: unknown): PorticoError {
  return new PorticoError(
    'SERVE_SECRET_KEY_INVALID',
    `Cannot use the service key file ${file}: ${why}. Nothing was changed. Restore it from your backup, or point --secret-key-file (PORTICO_SECRET_KEY_FILE) at the right file; see docs/security.md.`,
    cause === undefined ? undefined : { cause },
  );
}
