/**
 * Reads the JSON of a file people write (host.json, package.json, function.json): a UTF-8 byte order
 * mark is skipped, as the Functions host and npm skip it, and a syntax error says its line and column.
 */
import { findJsonSyntaxError } from './json-syntax.js';

/** The parsed value, or the reason it is not JSON ("line 3, column 5: …"). */
export function parseJsonText(text: string): { ok: true; value: unknown } | { ok: false; reason: string } {
  const clean = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  try {
    return { ok: true, value: JSON.parse(clean) };
  } catch (error) {
    const found = findJsonSyntaxError(clean);
    return {
      ok: false,
      reason:
        found === undefined ? String(error) : `line ${found.line}, column ${found.column}: ${found.message}`,
    };
  }
}
