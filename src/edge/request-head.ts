/**
 * Step 0 of the edge pipeline for what Node's parser lets through but Portico cannot serve as asked: a
 * request whose host is ambiguous or whose `Host` port no URL can hold (400), a transfer coding Portico
 * does not implement (501), and `OPTIONS *`, a request about the server rather than a resource (204).
 * Both listeners run it first: `portico serve` in its front (`serve/front.ts`), `portico start` around its
 * edge handler (`main.ts`), so the two modes answer these requests alike (decision 0119).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { hostnameOf } from '../shared/hostname.js';

/** The answer to a request head that is refused or answered at step 0. */
export interface HeadAnswer {
  readonly status: 204 | 400 | 501;
  /** The plain-text body (none for 204). */
  readonly text?: string;
}

/** What of a request step 0 reads. */
export type RequestHead = Pick<IncomingMessage, 'method' | 'url' | 'headers' | 'rawHeaders'>;

/**
 * The step-0 answer for a request head, or undefined when the pipeline goes on. Runs for every request:
 * one pass over the raw header names and a few string checks, no regular expression.
 *
 * @example
 * checkRequestHead({ method: 'OPTIONS', url: '*', headers: { host: 'a' }, rawHeaders: ['Host', 'a'] })
 * // { status: 204 }
 */
export function checkRequestHead(req: RequestHead): HeadAnswer | undefined {
  const hostProblem = ambiguousHost(req) ?? hostPortProblem(req.headers.host);
  if (hostProblem !== undefined) {
    return { status: 400, text: `Bad request: ${hostProblem}.\n` };
  }
  if (!isSupportedTransferEncoding(req.headers['transfer-encoding'])) {
    return {
      status: 501,
      text: 'Not implemented: a request body can be sent with Content-Length or with Transfer-Encoding: chunked alone; other transfer codings are not supported.\n',
    };
  }
  if (req.url === '*' && req.method === 'OPTIONS') {
    return { status: 204 };
  }
  return undefined;
}

/**
 * Answers a request that {@link checkRequestHead} stops and returns true; false when the request goes on
 * (with the target's host as `Host` when it had none, {@link adoptTargetHost}).
 * A refused request's connection is closed: what follows its head (a body in a coding not understood, or
 * meant for another host) is not read as a next request.
 */
export function answerRequestHead(req: IncomingMessage, res: ServerResponse): boolean {
  const answer = checkRequestHead(req);
  if (answer === undefined) {
    adoptTargetHost(req);
    return false;
  }
  if (answer.text === undefined) {
    res.writeHead(answer.status);
    res.end();
    return true;
  }
  res.writeHead(answer.status, {
    'content-type': 'text/plain; charset=utf-8',
    'content-length': Buffer.byteLength(answer.text),
    'cache-control': 'no-store',
    connection: 'close',
  });
  res.end(req.method === 'HEAD' ? undefined : answer.text);
  return true;
}

/**
 * Gives a request without `Host` (HTTP/1.0) whose target is absolute-form (`GET http://site/ HTTP/1.0`)
 * the target's authority as its `Host`: RFC 9112 §3.2.2 makes that the request's host, and the site,
 * gateway or function app is then looked up by it as for any other request.
 */
function adoptTargetHost(req: IncomingMessage): void {
  const url = req.url ?? '/';
  if (req.headers.host !== undefined || url.charCodeAt(0) === 47 || !URL.canParse(url)) {
    return;
  }
  const target = new URL(url);
  if ((target.protocol === 'http:' || target.protocol === 'https:') && target.host !== '') {
    req.headers.host = target.host;
  }
}

/**
 * Why a request names its host ambiguously, or undefined: two `Host` fields, or an absolute request
 * target (`GET http://a/ HTTP/1.1`) whose authority is not its `Host` (RFC 9112 §3.2.2 makes the target
 * win, and a proxy or cache in front may route or key on either). Portico picks a site (and `portico
 * start` its host check, decision 0093) by `Host`, so such a request is refused rather than served as one
 * host while something in front took it for another.
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
  // A target that is no absolute URL is left to the path check (step 1), and without a `Host` (HTTP/1.0)
  // the target's authority is the host, which nothing contradicts.
  if (!URL.canParse(url) || req.headers.host === undefined) {
    return undefined;
  }
  if (hostnameOf(new URL(url).host) !== hostnameOf(req.headers.host)) {
    return 'the request target names another host than the Host field';
  }
  return undefined;
}

/**
 * Why a `Host`'s port is unusable, or undefined: a port is there (after a name's one `:`, or after an IPv6
 * literal's `]:`), is not empty, and is not 1 to 65535 written in digits without a leading zero. An
 * unbracketed IPv6 address (`::1`) has no port to judge; the origin falls back to the listener's for it
 * (`context.ts`).
 */
function hostPortProblem(host: string | undefined): string | undefined {
  const port = host === undefined ? undefined : portOf(host);
  // An empty port (`site:`) is the default port (RFC 3986 §3.2.3: `port = *DIGIT`).
  if (port === undefined || port === '' || isPortNumber(port)) {
    return undefined;
  }
  return 'the port in the Host field is not a number from 1 to 65535 (written without leading zeros)';
}

/** The text after a `Host`'s port colon, or undefined when it has none. */
function portOf(host: string): string | undefined {
  if (host.startsWith('[')) {
    const close = host.indexOf(']');
    return close !== -1 && host.charCodeAt(close + 1) === 58 ? host.slice(close + 2) : undefined;
  }
  const colon = host.indexOf(':');
  return colon === -1 || host.indexOf(':', colon + 1) !== -1 ? undefined : host.slice(colon + 1);
}

/** True for `1`…`65535` in ASCII digits, without a leading zero. */
function isPortNumber(port: string): boolean {
  if (port.length === 0 || port.length > 5 || port.charCodeAt(0) === 48) {
    return false;
  }
  for (let index = 0; index < port.length; index += 1) {
    const code = port.charCodeAt(index);
    if (code < 48 || code > 57) {
      return false;
    }
  }
  return Number(port) <= 65_535;
}

/**
 * True without `Transfer-Encoding` or with `chunked` alone (any case, empty list elements aside). Node reads
 * `gzip, chunked` as chunked and hands on the gzip bytes as if plain; RFC 9112 §6.1 asks for 501 for a
 * transfer coding the server does not implement, and Portico implements none but chunked. Several
 * `Transfer-Encoding` fields reach here joined with ", ".
 */
function isSupportedTransferEncoding(value: string | undefined): boolean {
  if (value === undefined) {
    return true;
  }
  const codings = value.split(',').map((coding) => coding.trim().toLowerCase());
  const named = codings.filter((coding) => coding !== '');
  return named.length === 1 && named[0] === 'chunked';
}
