/**
 * Reads the JSON of a file people write (host.json, package.json, function.json, local.settings.json,
 * routes.json): a UTF-8 byte order mark is skipped, as the Functions host and npm skip it, and a syntax
 * error says its line and column.
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
