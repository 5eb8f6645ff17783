/**
 * File names that are not valid UTF-8. Node reads a folder's names as UTF-8 and puts U+FFFD in place of
 * each byte it cannot decode, so such a name cannot be opened again by the name it was listed under, and
 * no URL can name it: `portico deploy` refuses it and `portico start` warns about it, naming the file with
 * its undecodable bytes written as `\xNN`.
 */
import { isUtf8 } from 'node:buffer';
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The name on disk of the entry `name` of `dir` with its undecodable bytes as `\xNN` (`caf\xE9.txt`), when
 * `name` was read from a name that is not UTF-8; undefined for a name that is what is on disk (also one
 * that holds a real U+FFFD).
 */
export async function undecodableNameOf(dir: string, name: string): Promise<string | undefined> {
  if (!name.includes('\uFFFD') || (await exists(join(dir, name)))) {
    return undefined;
  }
  const raw = (await readdir(dir, { encoding: 'buffer' }).catch(() => [] as Buffer[])).find(
    (bytes) => !isUtf8(bytes) && bytes.toString('utf8') === name,
  );
  return raw === undefined ? name : escapeUndecodable(raw);
}

/** The message part shared by deploy's refusal and start's warning. */
export const UNDECODABLE_NAME_REASON =
  'has a name that is not valid UTF-8 (its undecodable bytes are shown as \\xNN), which no URL can name';

/** `bytes` as text, each byte that is no part of a UTF-8 character written as `\xNN`. */
export function escapeUndecodable(bytes: Buffer): string {
  let text = '';
  let index = 0;
  while (index < bytes.length) {
    const length = sequenceLength(bytes, index);
    if (length === 0) {
      text += `\\x${(bytes[index] ?? 0).toString(16).toUpperCase().padStart(2, '0')}`;
      index += 1;
    } else {
      text += bytes.toString('utf8', index, index + length);
      index += length;
    }
  }
  return text;
}

/** The length of the UTF-8 character at `index`, or 0 when none starts there. */
function sequenceLength(bytes: Buffer, index: number): number {
  for (let length = 1; length <= 4 && index + length <= bytes.length; length += 1) {
    if (isUtf8(bytes.subarray(index, index + length))) {
      return length;
    }
  }
  return 0;
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch {
    return false;
  }
}
