/** The one content hash of Portico: lower-case hex SHA-256 (blob names, token and code lookups). */
import { createHash } from 'node:crypto';

/** Hex SHA-256 of a string (UTF-8) or bytes. */
export function sha256Hex(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}
