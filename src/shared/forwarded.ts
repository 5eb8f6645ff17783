/**
 * Who a request came from and over which scheme, as every plane reads it: the socket's address and TLS,
 * unless `portico serve --trusted-proxy` found the connection to be a trusted reverse proxy's and noted
 * what that proxy reported (decision 0085). Only the listener's first step notes facts; nothing a client
 * sends can reach this map on its own.
 */
import type { IncomingMessage } from 'node:http';

/**
 * Fields a client may send that name where a request came from or what it asked for, which some backends
 * and frameworks believe: `Forwarded`, `X-Real-IP`, `X-Forwarded-Port`/`-Ssl`/`-Scheme`, `X-Client-IP`,
 * `True-Client-IP`, `X-Original-Host`, and `X-Original-URL`/`X-Rewrite-URL` (which IIS rewriting and
 * Symfony route by: a backend reading them would serve another path than the one the route rules
 * checked). The `/api` proxy and the gateway drop a client's copies (decision 0084); they vouch for the
 * `X-Forwarded-For`/`-Proto`/`-Host` they send instead.
 */
export const UNVOUCHED_CLIENT_FIELDS: readonly string[] = [
  'forwarded',
  'x-real-ip',
  'x-forwarded-port',
  'x-forwarded-ssl',
  'x-forwarded-scheme',
  'x-client-ip',
  'true-client-ip',
  'x-original-host',
  'x-original-url',
  'x-rewrite-url',
];

/** What a trusted reverse proxy reported about one request. */
export interface ForwardedFacts {
  /** The client's address: the rightmost `X-Forwarded-For` entry that is not a trusted proxy. */
  readonly client: string;
  /** The `X-Forwarded-For` entries left of {@link client}, joined with `, ` (`''` when none). */
  readonly prior: string;
  /** The client used HTTPS (`X-Forwarded-Proto: https`), or the proxy's own connection is TLS. */
  readonly https: boolean;
}

const FACTS = new WeakMap<IncomingMessage, ForwardedFacts>();

/** Notes what a trusted proxy reported about `req`; only `portico serve`'s listener calls it. */
export function noteForwardedFacts(req: IncomingMessage, facts: ForwardedFacts): void {
  FACTS.set(req, facts);
}

/** An IPv4 address as a dual-stack listener reports it (`::ffff:a.b.c.d`) in its plain form. */
export function normalizeAddress(address: string): string {
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}

/**
 * The client's address: what a trusted proxy reported, else the socket's (IPv4 without `::ffff:`); `""`
 * once the socket is gone, so callers that log it read it when the request arrives.
 */
export function clientAddressOf(req: IncomingMessage): string {
  return FACTS.get(req)?.client ?? normalizeAddress(req.socket.remoteAddress ?? '');
}

/** True when the client used HTTPS: a TLS socket, or a trusted proxy that says so. */
export function isHttpsRequest(req: IncomingMessage): boolean {
  return (req.socket as { encrypted?: boolean }).encrypted === true || FACTS.get(req)?.https === true;
}

/**
 * The `X-Forwarded-For` chain to send upstream, the client's address last: behind a trusted proxy, the
 * entries it reported up to the client (its own hops are not repeated); otherwise `received` (what the
 * caller sent, untrusted, kept as information) with the socket's address appended.
 */
export function forwardedChainOf(req: IncomingMessage, received: string): string {
  const facts = FACTS.get(req);
  const prior = facts === undefined ? received : facts.prior;
  const client = facts === undefined ? normalizeAddress(req.socket.remoteAddress ?? '') : facts.client;
  if (client === '') {
    return prior;
  }
  return prior === '' ? client : `${prior}, ${client}`;
}

/** The `X-Forwarded-For` entries before the client a trusted proxy reported, or undefined for any other request. */
export function priorForwardedFor(req: IncomingMessage): string | undefined {
  return FACTS.get(req)?.prior;
}
