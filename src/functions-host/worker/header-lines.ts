/**
 * Header lines of a request that came as frames (decision 0036), merged into the object a `node:http`
 * server would have built from the same lines (Node's documented `message.headers` rules), so a function
 * sees the same headers whichever way its request came: names lower-case; a repeated `set-cookie` kept as
 * a list; repeated `cookie` joined with `; `; repeated fields that allow one value only keep the first;
 * any other repeated field joined with `, `.
 */
import type { IncomingHttpHeaders } from 'node:http';

/** Fields whose repetitions Node discards (the first value wins). */
const SINGLE_VALUE_FIELDS = new Set([
  'age',
  'authorization',
  'content-length',
  'content-type',
  'etag',
  'expires',
  'from',
  'host',
  'if-modified-since',
  'if-unmodified-since',
  'last-modified',
  'location',
  'max-forwards',
  'proxy-authorization',
  'referer',
  'retry-after',
  'server',
  'user-agent',
]);

/** Merges a flat `[name, value, …]` list as Node merges the header lines it parses. */
export function mergeHeaderLines(lines: readonly string[]): IncomingHttpHeaders {
  const headers: Record<string, string | string[]> = {};
  for (let i = 0; i + 1 < lines.length; i += 2) {
    const name = (lines[i] as string).toLowerCase();
    const value = lines[i + 1] as string;
    const existing = headers[name];
    if (name === 'set-cookie') {
      headers[name] = Array.isArray(existing) ? [...existing, value] : [value];
    } else if (existing === undefined) {
      headers[name] = value;
    } else if (!SINGLE_VALUE_FIELDS.has(name)) {
      headers[name] = `${existing as string}${name === 'cookie' ? '; ' : ', '}${value}`;
    }
  }
  return headers;
}
