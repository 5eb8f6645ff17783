/** Folder-private: writing the few response shapes `/.auth` uses. Every response is `no-store`. */
import type { ServerResponse } from 'node:http';
import { AUTH_PAGE_CSP } from './_html.js';

type Headers = Readonly<Record<string, string | readonly string[]>>;

/** Ends `res` with `status`, a body of `contentType`, and the extra `headers`. */
export function send(
  res: ServerResponse,
  status: number,
  contentType: string,
  body: string,
  headers: Headers = {},
): void {
  const bytes = Buffer.from(body, 'utf8');
  res.writeHead(status, {
    'Content-Type': contentType,
    'Content-Length': String(bytes.length),
    'Cache-Control': 'no-store',
    ...headers,
  });
  res.end(bytes);
}

/** An HTML page from `/.auth`, with the restrictive CSP of {@link AUTH_PAGE_CSP}. */
export function sendHtml(res: ServerResponse, status: number, html: string, headers: Headers = {}): void {
  const security = { 'Content-Security-Policy': AUTH_PAGE_CSP, 'X-Content-Type-Options': 'nosniff' };
  send(res, status, 'text/html; charset=utf-8', html, { ...security, ...headers });
}

/** A JSON body. */
export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(value));
}

/** A plain-text body. */
export function sendText(res: ServerResponse, status: number, text: string, headers: Headers = {}): void {
  send(res, status, 'text/plain; charset=utf-8', text, headers);
}

/** A `302` to the absolute `location`, setting `cookies` (`Set-Cookie` values). */
export function sendRedirect(res: ServerResponse, location: string, cookies: readonly string[]): void {
  res.writeHead(302, {
    Location: location,
    'Set-Cookie': [...cookies],
    'Cache-Control': 'no-store',
    'Content-Length': '0',
  });
  res.end();
}
