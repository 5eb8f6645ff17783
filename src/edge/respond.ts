/**
 * Small response writers shared by the pipeline steps: plain and HTML bodies, redirects with absolute
 * `Location` (D4), and the built-in error pages, which are small, plain and self-contained.
 */
import type { ServerResponse } from 'node:http';
import { STATUS_CODES } from 'node:http';
import { escapeHtml } from '../shared/html.js';
import { overlay } from '../shared/overlay.js';
import { REQUEST_ID_HEADER } from '../shared/request-tag.js';

/** Writes a complete response with a string body (no body for HEAD). */
export function sendText(
  res: ServerResponse,
  status: number,
  body: string,
  contentType = 'text/plain; charset=utf-8',
  headers: Readonly<Record<string, string>> = {},
): void {
  const bytes = Buffer.from(body);
  res.writeHead(status, overlay(headers, { 'content-type': contentType, 'content-length': bytes.length }));
  res.end(res.req.method === 'HEAD' ? undefined : bytes);
}

/**
 * Writes a redirect; `location` is made absolute on `origin` when it is a path (D4). An absolute URL in
 * printable ASCII goes out as configured; one with other characters in its WHATWG URL serialisation: a
 * host such as `例え.jp` as punycode, the path, query and fragment percent-encoded, so that no character a
 * header cannot carry reaches `writeHead` (test/edge/routing.test.ts, "non-ASCII redirect").
 */
export function sendRedirect(res: ServerResponse, status: number, location: string, origin: string): void {
  res.writeHead(status, { location: serializeLocation(location, origin), 'content-length': 0 });
  res.end();
}

/**
 * `location` as a `Location` header value: an absolute URL in printable ASCII unchanged (as Azure sends a
 * configured target: no trailing `/` added, no dot segments resolved, no `{`/`'` encoded); otherwise
 * `new URL(location, origin).href`, or, for a value the URL parser refuses, the value with every byte
 * outside printable ASCII percent-encoded (its UTF-8 bytes), so that a configured target can never make
 * the reply fail.
 */
export function serializeLocation(location: string, origin: string): string {
  if (ABSOLUTE_URL.test(location) && PRINTABLE_ASCII.test(location)) {
    return location;
  }
  const base = `${origin}/`;
  return URL.canParse(location, base) ? new URL(location, base).href : percentEncodeUnsafe(location);
}

const ABSOLUTE_URL = /^[a-z][a-z0-9+.-]*:/i;
const PRINTABLE_ASCII = /^[\x21-\x7e]*$/;

function percentEncodeUnsafe(text: string): string {
  return text.replace(/[^\x21-\x7e]/gu, (char) =>
    [...Buffer.from(char)].map((byte) => `%${byte.toString(16).toUpperCase().padStart(2, '0')}`).join(''),
  );
}

/**
 * Answers `500 Internal Server Error` on a reply whose head is not sent yet. A `writeHead` that threw on a
 * header value has already set its status text ("Found") and may leave headers set before it: the reply
 * starts afresh, so it never reads "500 Found" or carries another answer's headers (respond.test.ts), but
 * keeps the request's id.
 */
export function sendInternalError(res: ServerResponse): void {
  res.statusMessage = '';
  for (const name of res.getHeaderNames()) {
    // The request's id stays: it is what ties the answer to the log line of the error.
    if (name !== REQUEST_ID_HEADER) {
      res.removeHeader(name);
    }
  }
  sendText(res, 500, 'Internal server error.\n');
}

const DESCRIPTIONS: Readonly<Record<number, string>> = {
  400: 'The request could not be understood.',
  401: 'You need to sign in to see this page.',
  403: 'You do not have permission to see this page.',
  404: 'The page you are looking for does not exist.',
  405: 'This method is not allowed here.',
};

/** The default page for an error status: a few hundred bytes of HTML, no external resources. */
export function renderErrorPage(status: number, detail?: string): string {
  const title = `${status} ${STATUS_CODES[status] ?? 'Error'}`;
  const text = escapeHtml(detail ?? DESCRIPTIONS[status] ?? 'Something went wrong.');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title><style>body{font-family:system-ui,sans-serif;margin:4rem auto;max-width:36rem;color:#222}h1{font-size:1.6rem}p{white-space:pre-wrap}</style></head><body><h1>${title}</h1><p>${text}</p></body></html>\n`;
}

/** Answers `status` with the built-in error page (optionally with a more specific `detail`). */
export function sendErrorPage(res: ServerResponse, status: number, detail?: string): void {
  sendText(res, status, renderErrorPage(status, detail), 'text/html; charset=utf-8');
}
