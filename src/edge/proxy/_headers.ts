/**
 * Header handling of the `/api` proxy: what the backend receives (CONTRACT §3, spec §10.12, D8) and what
 * the client gets back (spec §10.12: the response passes through unchanged, minus hop-by-hop fields).
 */
import type { IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders } from 'node:http';
import {
  forwardedChainOf,
  isUnderscoreForwardedField,
  LINK_PROOF_FIELD,
  UNVOUCHED_CLIENT_FIELDS,
} from '../../shared/forwarded.js';
import type { ProxyTarget } from './types.js';

/**
 * Client headers never copied upstream: hop-by-hop fields (RFC 9110 §7.6.1), `host` (undici sets the
 * backend's), `expect` (node has already answered `100-continue`, and undici refuses the field),
 * `content-length` (re-added once, below), and the fields the proxy sets itself, so a client cannot spoof
 * them. `forwarded`, `x-real-ip` and the other fields of `UNVOUCHED_CLIENT_FIELDS` are dropped too: the proxy
 * sends its own `x-forwarded-*` instead, and a backend that trusts one would otherwise read what a client
 * made up (decision 0084). `x-ms-client-principal*`, App Service authentication's token fields (`x-ms-token-*`, set by its
 * sign-in for the backend, which may trust them) and `proxy-*` are matched by prefix in
 * {@link isDroppedRequestHeader}. `x-ms-auth-token` passes: it is the site's token a linked function app
 * checks and then hands on to its code (a linked call replaces a client's copy with its own); the proof
 * that comes with it (`LINK_PROOF_FIELD`) does not pass.
 */
const DROPPED_REQUEST_HEADERS = new Set([
  'connection',
  'keep-alive',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
  'expect',
  'content-length',
  'x-ms-original-url',
  'x-ms-request-id',
  'x-forwarded-host',
  'x-forwarded-proto',
  LINK_PROOF_FIELD,
  ...UNVOUCHED_CLIENT_FIELDS,
]);

/** Backend response headers that describe the upstream hop only; node writes its own. */
const HOP_BY_HOP_RESPONSE_HEADERS = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

const PRINCIPAL_PREFIX = 'x-ms-client-principal';

/**
 * The header list sent upstream, as undici's flat `[name, value, …]` array with lower-case names (D8).
 * Client headers are copied in order, minus the dropped ones; then the proxy's own fields are appended.
 */
export function createUpstreamHeaders(
  req: IncomingMessage,
  target: ProxyTarget,
  hostHeader?: string,
): string[] {
  const raw = req.rawHeaders;
  const listed = extraNames(parseConnectionTokens(req.headers.connection), target.extraHeaders);
  const out: string[] = [];
  let forwardedFor = '';
  for (let i = 0; i < raw.length; i += 2) {
    const name = (raw[i] ?? '').toLowerCase();
    const value = raw[i + 1] ?? '';
    if (name === 'x-forwarded-for') {
      forwardedFor = forwardedFor === '' ? value : `${forwardedFor}, ${value}`;
    } else if (!isDroppedRequestHeader(name, listed)) {
      out.push(name, value);
    }
  }
  appendProxyHeaders(out, req, target, forwardedFor);
  if (target.extraHeaders !== undefined) {
    out.push(...target.extraHeaders);
  }
  if (hostHeader !== undefined) {
    out.push('host', hostHeader);
  }
  return out;
}

/**
 * The names of each extra-field list a host passed: a host that reuses its list (a linked backend's, per
 * token) has its names read once. Lists are frozen or never changed once handed to the proxy.
 */
const namesOfExtra = new WeakMap<readonly string[], readonly string[]>();

/** Adds the names of the host's extra fields to the dropped ones, so a client cannot send its own. */
function extraNames(
  listed: readonly string[] | undefined,
  extra: readonly string[] | undefined,
): readonly string[] | undefined {
  if (extra === undefined || extra.length === 0) {
    return listed;
  }
  let names = namesOfExtra.get(extra);
  if (names === undefined) {
    names = extra.filter((_, index) => index % 2 === 0);
    namesOfExtra.set(extra, names);
  }
  return listed === undefined ? names : [...listed, ...names];
}

/** Copies the backend's response headers minus hop-by-hop fields; arrays (`set-cookie`) stay arrays. */
export function createResponseHeaders(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  const listed = parseConnectionTokens(headers.connection);
  const out: OutgoingHttpHeaders = {};
  for (const name of Object.keys(headers)) {
    const value = headers[name];
    if (value !== undefined && !HOP_BY_HOP_RESPONSE_HEADERS.has(name) && !listed?.includes(name)) {
      out[name] = value;
    }
  }
  return out;
}

/**
 * True for a client header the backend must not see (lower-case `name`). A name spelled with underscores
 * counts as its dashed form: CGI-style servers (and frameworks on them) read `x_ms_client_principal` as
 * `x-ms-client-principal`, both becoming `HTTP_X_MS_CLIENT_PRINCIPAL`.
 */
function isDroppedRequestHeader(name: string, listed: readonly string[] | undefined): boolean {
  return (
    isOwnedName(name) ||
    (listed?.includes(name) ?? false) ||
    (name.includes('_') && (isOwnedName(name.replaceAll('_', '-')) || isUnderscoreForwardedField(name)))
  );
}

/** A field the proxy owns or sets itself (see {@link DROPPED_REQUEST_HEADERS}). */
function isOwnedName(name: string): boolean {
  return (
    DROPPED_REQUEST_HEADERS.has(name) ||
    name.startsWith(PRINCIPAL_PREFIX) ||
    name.startsWith('x-ms-token-') ||
    name.startsWith('proxy-')
  );
}

/** Appends the body length and the fields Portico sets for every proxied request (CONTRACT §3). */
function appendProxyHeaders(
  out: string[],
  req: IncomingMessage,
  target: ProxyTarget,
  forwardedFor: string,
): void {
  const length = req.headers['content-length'];
  if (length !== undefined && req.headers['transfer-encoding'] === undefined) {
    out.push('content-length', length);
  }
  if (target.principalHeader) {
    out.push(PRINCIPAL_PREFIX, target.principalHeader);
  }
  out.push('x-ms-original-url', target.originalUrl, 'x-ms-request-id', target.requestId);
  out.push('x-forwarded-host', target.forwardedHost, 'x-forwarded-proto', target.forwardedProto);
  // The client's address last, an IPv4 one without `::ffff:` (as the access log and the gateway write it).
  const chain = forwardedChainOf(req, forwardedFor);
  if (chain !== '') {
    out.push('x-forwarded-for', chain);
  }
}

/**
 * Extra hop-by-hop field names listed in a `Connection` header (RFC 9110 §7.6.1). The common values
 * `keep-alive` and `close` name no other field, so they cost nothing.
 */
function parseConnectionTokens(value: string | string[] | undefined): string[] | undefined {
  if (value === undefined || value === 'keep-alive' || value === 'close') {
    return undefined;
  }
  const joined = Array.isArray(value) ? value.join(',') : value;
  return joined
    .split(',')
    .map((token) => token.trim().toLowerCase())
    .filter((token) => token !== '' && token !== 'keep-alive' && token !== 'close');
}
