/** The host name a request is for, read from its `Host` header once per request by each listener step. */
import type { IncomingMessage } from 'node:http';

/**
 * `Host` without port, lower case, without a trailing dot: `value.replace(/:\d+$/, '')` (for an IPv6
 * literal, what follows its `]`), lower-cased, then `.replace(/\.$/, '')`, without a regular expression
 * per request.
 */
export function hostnameOf(host: string | undefined): string {
  const value = host ?? '';
  const end = value.startsWith('[') ? literalEnd(value) : portStart(value);
  const lower = (end === value.length ? value : value.slice(0, end)).toLowerCase();
  return lower.endsWith('.') ? lower.slice(0, -1) : lower;
}

/** Where an IPv6 literal's `:<digits>` suffix starts (the length when there is none). */
function literalEnd(value: string): number {
  const close = value.indexOf(']');
  if (close === -1) {
    return value.length;
  }
  const rest = value.slice(close + 1);
  return rest.startsWith(':') && portStart(rest) === 0 ? close + 1 : value.length;
}

/** Where a `:<digits>` suffix starts (the length when there is none). */
function portStart(value: string): number {
  const colon = value.lastIndexOf(':');
  if (colon === -1 || colon === value.length - 1) {
    return value.length;
  }
  for (let index = colon + 1; index < value.length; index += 1) {
    const code = value.charCodeAt(index);
    if (code < 48 || code > 57) {
      return value.length;
    }
  }
  return colon;
}

/**
 * Why a request names its host ambiguously, or undefined: two `Host` fields, or an absolute request
 * target (`GET http://a/ HTTP/1.1`) whose authority is not its `Host` (RFC 9112 §3.2.2 makes the target
 * win, and a proxy or cache in front may route or key on either). Portico picks a site by `Host`, so such
 * a request is refused rather than served as one site while something in front took it for another.
 */
export function ambiguousHost(
  req: Pick<IncomingMessage, 'rawHeaders' | 'url' | 'headers'>,
): string | undefined {
  const raw = req.rawHeaders;
  let hosts = 0;
  for (let index = 0; index < raw.length; index += 2) {
    const name = raw[index] ?? '';
    if (name.length === 4 && name.toLowerCase() === 'host') {
      hosts += 1;
    }
  }
  if (hosts > 1) {
    return 'the request has more than one Host field';
  }
  const url = req.url ?? '/';
  if (url.charCodeAt(0) === 47 || url === '*') {
    return undefined;
  }
  const authority = URL.canParse(url) ? new URL(url).host : undefined;
  if (authority === undefined || hostnameOf(authority) !== hostnameOf(req.headers.host)) {
    return 'the request target names another host than the Host field';
  }
  return undefined;
}
