/**
 * Who a request came from and over which scheme, as every plane reads it: the socket's address and TLS,
 * unless `portico serve --trusted-proxy` found the connection to be a trusted reverse proxy's and noted
 * what that proxy reported (decision 0085). Only the listener's first step notes facts; nothing a client
 * sends can reach this map on its own.
 */
import type { IncomingMessage } from 'node:http';

/**
 * Fields a client may send that name where a request came from, over which scheme, under which path or
 * with which client certificate, and which some backends and frameworks believe: `Forwarded`,
 * `X-Real-IP`, `X-Forwarded-Port`/`-Ssl`/`-Scheme`/`-Prefix`/`-Server`, `X-Client-IP`, `True-Client-IP`,
 * `X-Cluster-Client-IP`, the client address fields of CDNs and front doors (`CF-Connecting-IP`/`-IPv6`,
 * `Fastly-Client-IP`, Azure Front Door's `X-Azure-ClientIP`/`-SocketIP`), `X-Original-Host`/`-Proto`/`-For`, `X-Host`, `X-Url-Scheme`, `Front-End-Https`,
 * `X-Original-URL`/`-URI`, `X-Rewrite-URL` and `X-Forwarded-Uri` (which IIS rewriting, Symfony, Spring's
 * ForwardedHeaderFilter and ASP.NET route or build links by: a backend reading them would serve another
 * path than the one the route rules checked), App Service's front-end fields (`X-ARR-SSL`,
 * `X-ARR-ClientCert`, `X-WAWS-Unencoded-URL`, which ASP.NET on App Service reads as facts), and the client
 * certificate fields of Envoy and nginx setups (`X-Forwarded-Client-Cert`, `X-Client-Cert`, `X-SSL-Cert`).
 * The `/api` proxy and the gateway drop a client's copies, also spelled with underscores (decision 0084);
 * they vouch for the `X-Forwarded-For`/`-Proto`/`-Host` they send instead.
 */
export const UNVOUCHED_CLIENT_FIELDS: readonly string[] = [
  'forwarded',
  'x-real-ip',
  'x-forwarded-port',
  'x-forwarded-ssl',
  'x-forwarded-scheme',
  'x-forwarded-prefix',
  'x-forwarded-server',
  'x-forwarded-uri',
  'x-client-ip',
  'true-client-ip',
  'x-cluster-client-ip',
  'cf-connecting-ip',
  'cf-connecting-ipv6',
  'fastly-client-ip',
  'x-azure-clientip',
  'x-azure-socketip',
  'x-original-host',
  'x-original-proto',
  'x-original-for',
  'x-host',
  'x-url-scheme',
  'front-end-https',
  'x-original-url',
  'x-original-uri',
  'x-rewrite-url',
  'x-arr-ssl',
  'x-arr-clientcert',
  'x-waws-unencoded-url',
  'x-forwarded-client-cert',
  'x-client-cert',
  'x-ssl-cert',
];

/**
 * The field in which Portico's `/api` proxy proves to a function app of this service that the call is its
 * own (`serve/link-proof.ts`, decision 0095). Every proxy drops it, so it never reaches a backend or a
 * function's code.
 */
export const LINK_PROOF_FIELD = 'x-portico-link-proof';

/** The fields Portico writes itself on the way upstream: a client's copy never passes. */
const VOUCHED_FIELDS: readonly string[] = ['x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host'];

const NOT_FROM_CLIENTS = new Set([...UNVOUCHED_CLIENT_FIELDS, ...VOUCHED_FIELDS]);

/**
 * True for a lower-case field name spelled with underscores whose dashed form is a forwarded field
 * (`x_forwarded_proto`): CGI-style servers read both as `HTTP_X_FORWARDED_PROTO`, so a client's
 * underscore copy would stand in for the field Portico sets.
 */
export function isUnderscoreForwardedField(name: string): boolean {
  return name.includes('_') && NOT_FROM_CLIENTS.has(name.replaceAll('_', '-'));
}

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

/**
 * The scheme and host a trusted proxy reported for a request to the admin port, where nothing else it
 * says is believed (decision 0090): only absolute URLs built from the request (`nextLink`) use them.
 */
export interface LinkOrigin {
  /** The proxy's client used HTTPS (`X-Forwarded-Proto: https`), or the proxy's own connection is TLS. */
  readonly https: boolean;
  /** `X-Forwarded-Host` (with `X-Forwarded-Port`) when valid, else undefined: the request's own `Host`. */
  readonly host: string | undefined;
}

const LINK_ORIGINS = new WeakMap<IncomingMessage, LinkOrigin>();

/** Notes what a trusted proxy reported about an admin request; only `portico serve`'s admin listener calls it. */
export function noteLinkOrigin(req: IncomingMessage, origin: LinkOrigin): void {
  LINK_ORIGINS.set(req, origin);
}

/** The scheme and host a trusted proxy reported for an admin request, or undefined for any other request. */
export function linkOriginOf(req: IncomingMessage): LinkOrigin | undefined {
  return LINK_ORIGINS.get(req);
}
