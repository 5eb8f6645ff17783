/**
 * Reads the JSON of a file people write (host.json, package.json, function.json, local.settings.json,
 * routes.json): a UTF-8 byte order mark is skipped, as the Functions host and npm skip it, a syntax
 * error says its line and column, and a file saved as UTF-16 (Windows PowerShell 5.1's `>`) says so.
 */
import { findJsonSyntaxError, type JsonSyntaxError } from './json-syntax.js';

/** Why a text is not JSON: "line 3, column 5: …", and the place and message apart, for `file:3:5`. */
export interface JsonTextProblem {
  readonly ok: false;
  readonly reason: string;
  readonly syntax: JsonSyntaxError | undefined;
  readonly error: unknown;
}

/** The parsed value, or why it is not JSON. */
export function parseJsonText(text: string): { ok: true; value: unknown } | JsonTextProblem {
  const clean = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  try {
    return { ok: true, value: JSON.parse(clean) };
  } catch (error) {
    if (looksUtf16(clean)) {
      return { ok: false, reason: UTF16_REASON, syntax: undefined, error };
    }
    const syntax = findJsonSyntaxError(clean);
    return {
      ok: false,
      reason:
        syntax === undefined
          ? String(error)
          : `line ${syntax.line}, column ${syntax.column}: ${syntax.message}`,
      syntax,
      error,
    };
  }
}

/** What a file saved as UTF-16 is, and the fix, after its name ("… is saved as UTF-16; …"). */
export const SAVED_AS_UTF16 =
  'is saved as UTF-16; save it as UTF-8 (in PowerShell: Set-Content -Encoding utf8, or "Save with encoding" in your editor)';

/** Why a file of UTF-16 read as UTF-8 is not what it says: the fix, for any file people write. */
export const UTF16_REASON = `the file ${SAVED_AS_UTF16}`;

/** UTF-16 read as UTF-8: its byte order mark reads as two replacement characters, ASCII as NUL-interleaved. */
export function looksUtf16(text: string): boolean {
  return text.startsWith('\uFFFD\uFFFD') || text.includes('\0');
}

/**
 * A text file's bytes as .NET's `File.ReadAllText` reads them (what Azure Functions Core Tools reads
 * `.funcignore` with): by its byte order mark, UTF-8 (the mark left out), UTF-16 little- or big-endian
 * (what Windows PowerShell 5.1's `>` writes); without one, as UTF-8.
 *
 * @example
 * decodeByBom(Buffer.from([0xff, 0xfe, 0x78, 0x00])) // 'x'
 */
export function decodeByBom(bytes: Buffer): string {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
    return bytes.subarray(3).toString('utf8');
  }
  if (bytes[0] === 0xff && bytes[1] === 0xfe) {
    return bytes.subarray(2).toString('utf16le');
  }
  if (bytes[0] === 0xfe && bytes[1] === 0xff) {
    const body = Buffer.from(bytes.subarray(2, 2 + ((bytes.length - 2) & ~1)));
    return body.swap16().toString('utf16le');
  }
  return bytes.toString('utf8');
}
