/**
 * Azure's `nextLink`: where the next page of a list is, as an absolute URL that Azure's SDKs fetch as it
 * is (`byPage()`, `for await`). It names the admin address the request came to (its scheme and `Host`,
 * or those a `--trusted-proxy` reported in `X-Forwarded-Proto`/`-Host`/`-Port`) and repeats the request's
 * query with `$skip` moved on, so a filter, the page size and `api-version` carry over (decision 0090).
 */
import type { IncomingMessage } from 'node:http';
import { isHttpsRequest, linkOriginOf } from '../../shared/forwarded.js';

/** The URL of the page of `req`'s list that starts at item `skip`. */
export function nextLinkOf(req: IncomingMessage, skip: number): string {
  // As the handler reads it: the path and query of an origin-form or absolute-form target.
  const url = new URL(req.url ?? '/', 'http://admin.invalid');
  const kept = url.search
    .slice(1)
    .split('&')
    .filter((pair) => pair !== '' && nameOf(pair) !== '$skip');
  const query = [...kept, `$skip=${skip}`].join('&');
  const origin = linkOriginOf(req);
  const https = origin?.https ?? isHttpsRequest(req);
  return `${https ? 'https' : 'http'}://${origin?.host ?? hostOf(req)}${url.pathname}?${query}`;
}

function nameOf(pair: string): string {
  const name = pair.split('=', 1)[0] ?? '';
  try {
    return decodeURIComponent(name.replaceAll('+', ' '));
  } catch {
    return name;
  }
}

/** The `Host` the request names, else the address it came in on (HTTP/1.0 sends no `Host`). */
function hostOf(req: IncomingMessage): string {
  const host = req.headers.host;
  if (host !== undefined && host !== '') {
    return host;
  }
  const address = req.socket.localAddress ?? '127.0.0.1';
  const port = req.socket.localPort ?? 80;
  return `${address.includes(':') ? `[${address}]` : address}:${port}`;
}
