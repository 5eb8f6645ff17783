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

/**
 * {@link parseJsonText} for the files the Functions host and Core Tools read with Newtonsoft.Json
 * (host.json, function.json, local.settings.json): `//` and `/* *\/` comments and a trailing comma before
 * `}` or `]` are accepted, as they are there. Each is blanked out (line breaks kept), so a remaining
 * syntax error keeps its line and column. Newtonsoft's other leniencies (single quotes, unquoted names)
 * stay errors: decision 0105.
 *
 * @example
 * parseJsonWithComments('{ "version": "2.0", // v4\n }') // { ok: true, value: { version: '2.0' } }
 */
export function parseJsonWithComments(text: string): { ok: true; value: unknown } | JsonTextProblem {
  const clean = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  return parseJsonText(blankCommentsAndTrailingCommas(clean));
}

/** `text` with comments and trailing commas outside strings turned into spaces; an unclosed comment is left. */
function blankCommentsAndTrailingCommas(text: string): string {
  const out = text.split('');
  let pendingComma = -1;
  // The last character that is neither space nor comment: a comma after `{`, `[` or `,` stays an error.
  let previous = '';
  for (let i = 0; i < text.length; i++) {
    const char = text[i] ?? '';
    if (char === '"') {
      pendingComma = -1;
      previous = char;
      i = endOfString(text, i);
    } else if (char === '/' && (text[i + 1] === '/' || text[i + 1] === '*')) {
      const end = text[i + 1] === '/' ? lineEnd(text, i) : text.indexOf('*/', i + 2) + 2;
      if (end < 2) {
        break; // an unclosed /* */: the syntax error says where it starts
      }
      blank(out, i, end);
      i = end - 1;
    } else if (!/\s/.test(char)) {
      if ((char === '}' || char === ']') && pendingComma >= 0) {
        out[pendingComma] = ' ';
      }
      pendingComma = char === ',' && !'{[,'.includes(previous) ? i : -1;
      previous = char;
    }
  }
  return out.join('');
}

/** The index of the closing quote of the string opening at `start` (or the text's end). */
function endOfString(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    if (text[i] === '\\') {
      i++;
    } else if (text[i] === '"') {
      return i;
    }
  }
  return text.length;
}

function lineEnd(text: string, from: number): number {
  const newline = text.indexOf('\n', from);
  return newline === -1 ? text.length : newline;
}

function blank(chars: string[], from: number, to: number): void {
  for (let i = from; i < to; i++) {
    if (chars[i] !== '\n' && chars[i] !== '\r') {
      chars[i] = ' ';
    }
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
