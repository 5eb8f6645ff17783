/**
 * Response header maps for static responses. Names are lower-case so overrides can replace defaults
 * case-insensitively with plain property writes.
 */
import type { ServerResponse } from 'node:http';
import type { StaticFile } from '../../types.js';

/** Lower-case header name → value. */
export type HeaderMap = Record<string, string>;

/**
 * Headers that frame the body. serveFile owns them: header rules cannot set or remove them, otherwise
 * a rule could make the declared length or coding disagree with the bytes sent.
 */
const FRAMING_HEADERS: ReadonlySet<string> = new Set([
  'content-length',
  'content-range',
  'content-encoding',
  'transfer-encoding',
]);

/** Removed from 304 and 416 answers, which carry no representation (as `send` does for serve-static). */
const REPRESENTATION_HEADERS = ['content-type', 'content-length', 'content-encoding', 'content-language'];

/**
 * Applies header rules over `headers` (spec §10.8): a value replaces the header whatever its case, and
 * `""` removes it, including a header already set on `res` by an earlier stage.
 */
export function applyHeaderOverrides(
  headers: HeaderMap,
  overrides: Readonly<Record<string, string>>,
  res: ServerResponse,
): void {
  for (const name in overrides) {
    const value = overrides[name];
    const key = name.toLowerCase();
    if (value !== undefined && Object.hasOwn(overrides, name) && !FRAMING_HEADERS.has(key)) {
      applyOverride(headers, key, value, res);
    }
  }
}

function applyOverride(headers: HeaderMap, key: string, value: string, res: ServerResponse): void {
  if (value !== '') {
    headers[key] = value;
    return;
  }
  delete headers[key];
  if (res.hasHeader(key)) {
    res.removeHeader(key);
  }
}

/** Removes the headers that describe a body from a response that has none. */
export function removeRepresentationHeaders(headers: HeaderMap): void {
  for (const name of REPRESENTATION_HEADERS) {
    delete headers[name];
  }
}

/**
 * Keeps `Accept-Encoding` in a Vary header that a rule replaced (`Vary: Origin`), so shared caches
 * never hand a compressed body to a client that cannot decode it. A removed Vary stays removed.
 */
export function ensureVaryAcceptEncoding(headers: HeaderMap): void {
  const vary = headers.vary;
  if (vary !== undefined && !/accept-encoding|^\s*\*\s*$/i.test(vary)) {
    headers.vary = `${vary}, Accept-Encoding`;
  }
}

/**
 * Last-Modified strings per file object. `Date#toUTCString` was the largest single cost of a cached
 * small-file response; a file object's mtime never changes and the map holds it only weakly, so this
 * memo is invisible apart from speed.
 */
const LAST_MODIFIED = new WeakMap<StaticFile, string>();

/** The file's modification time as an IMF-fixdate: `Tue, 14 Nov 2023 22:13:20 GMT`. */
export function formatLastModified(file: StaticFile): string {
  let value = LAST_MODIFIED.get(file);
  if (value === undefined) {
    value = new Date(Math.floor(file.mtimeMs)).toUTCString();
    LAST_MODIFIED.set(file, value);
  }
  return value;
}
