/** Request-path decoding and tokenizing (Kestrel decoding, ASP.NET Core `PathTokenizer`). */

import { foldCase } from './text.js';
import type { RequestPath } from './types.js';

const PERCENT_RUN = /(?:%[0-9A-Fa-f]{2})+/g;
const ENCODED_SLASH = /(%2F)/i;

/** Percent-decodes like Kestrel: everything but `%2F`, which stays as sent; bad sequences stay raw. */
function decodePath(raw: string): string {
  return raw.includes('%') ? raw.replace(PERCENT_RUN, decodePercentRun) : raw;
}

function decodePercentRun(run: string): string {
  const pieces = run.split(ENCODED_SLASH);
  return pieces.map((piece, index) => (index % 2 === 1 ? piece : decodeOrKeep(piece))).join('');
}

function decodeOrKeep(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** Splits a request path into decoded segments; one trailing slash is ignored, as by `PathTokenizer`. */
export function tokenizePath(pathname: string): RequestPath {
  const text = decodePath(pathname.startsWith('/') ? pathname.slice(1) : pathname);
  const body = text.endsWith('/') ? text.slice(0, -1) : text;
  const segments = text === '' ? [] : body.split('/');
  const offsets: number[] = [];
  let offset = 0;
  for (const segment of segments) {
    offsets.push(offset);
    offset += segment.length + 1;
  }
  return { text, segments, folded: segments.map(foldCase), offsets };
}
