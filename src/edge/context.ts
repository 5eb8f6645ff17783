/**
 * Per-request facts computed once: the decoded path, the origin used for redirects (D4), the principal
 * (read lazily from the session cookie) and a note on which rule matched, for the request log.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isHttpsRequest, normalizeAddress } from '../shared/forwarded.js';
import type { Logger } from '../shared/logger.js';
import type { SiteRules } from './routing/index.js';
import type { EdgeSite } from './site.js';
import type { ClientPrincipal } from './types.js';

/** What the pipeline knows about a request before the context is built. */
export interface RequestFacts {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly method: string;
  /** Decoded request path; the one matching and file lookup use. */
  readonly path: string;
  /** The path as the client sent it (percent-encoded). */
  readonly rawPath: string;
  /** `''` or `?…` as the client sent it. */
  readonly search: string;
  readonly site: EdgeSite;
  readonly rules: SiteRules;
  /** What decided the response (`routes[2]`, `fallback`…), for `--verbose` logs. */
  readonly trace: { note: string };
  /** The listener's logger: what the operator (or developer) is told of failures behind an answer. */
  readonly logger: Logger;
  /**
   * Serves the request again from step 3 with `site`, the one that replaced {@link site} while the
   * request waited (decision 0126); absent on a request served so already, so it happens at most once.
   */
  readonly reserve: ((site: EdgeSite) => Promise<void>) | undefined;
}

/** Everything the pipeline steps use about one request. */
export interface EdgeContext extends RequestFacts {
  /** `http://host:port` (or the allowed forwarded host), used for absolute redirects. */
  readonly origin: string;
  readonly proto: 'http' | 'https';
  readonly host: string;
  /** The signed-in user, or null. Read from the cookie on first use. */
  principal(): ClientPrincipal | null;
}

/** Told the principal a request is served as, when the pipeline reads it from the session cookie. */
export type PrincipalListener = (req: IncomingMessage, principal: ClientPrincipal | null) => void;

/** Facts the pipeline already has when it builds the context. */
export interface ContextInit extends RequestFacts {
  /** `host:port` of the listener, for requests without a usable Host header. */
  readonly serverHost: string;
  readonly onPrincipal?: PrincipalListener;
}

/**
 * Builds the context; `X-Forwarded-Host` is honoured only when listed in `allowedForwardedHosts` (D4).
 * Written as one object literal (no spread): this runs for every request.
 */
export function createContext(init: ContextInit): EdgeContext {
  const { req, site, rules, onPrincipal } = init;
  const proto: 'http' | 'https' = site.secure || isHttpsRequest(req) ? 'https' : 'http';
  const host = pickHost(req, rules, init.serverHost);
  let principal: ClientPrincipal | null | undefined;
  return {
    req,
    res: init.res,
    method: init.method,
    path: init.path,
    rawPath: init.rawPath,
    search: init.search,
    origin: `${proto}://${host}`,
    proto,
    host,
    site,
    rules,
    trace: init.trace,
    logger: init.logger,
    reserve: init.reserve,
    principal() {
      if (principal === undefined) {
        principal = site.sessions.read(req.headers.cookie);
        onPrincipal?.(req, principal);
      }
      return principal;
    },
  };
}

/**
 * The origin the client used to reach this listener, as {@link createContext} computes it: for requests
 * that get no context (upgrades), so both name Portico's own origin the same way.
 */
export function requestOriginOf(
  req: IncomingMessage,
  site: EdgeSite,
  rules: SiteRules,
  serverHost: string,
): { readonly origin: string; readonly proto: 'http' | 'https'; readonly host: string } {
  const proto: 'http' | 'https' = site.secure || isHttpsRequest(req) ? 'https' : 'http';
  const host = pickHost(req, rules, serverHost);
  return { origin: `${proto}://${host}`, proto, host };
}

function pickHost(req: IncomingMessage, rules: SiteRules, serverHost: string): string {
  const forwarded = headerValue(req, 'x-forwarded-host');
  const allowed = rules.config.forwardingGateway?.allowedForwardedHosts ?? [];
  if (forwarded !== undefined && allowed.some((host) => host.toLowerCase() === forwarded.toLowerCase())) {
    return forwarded;
  }
  const host = req.headers.host;
  if (host === undefined || !isAuthority(host)) {
    return listenerAuthority(req, serverHost);
  }
  // A port no URL can hold (`site.example:99999`, `:0`) is left out: the name still picked the site. Step 0
  // refuses such a Host (decision 0119); only upgrades carried to a dev server come here without it.
  return hasUsablePort(host) ? host : host.slice(0, host.lastIndexOf(':'));
}

/**
 * The address and port the client connected to, for a request without a usable Host: the listener's real
 * port (the configured one may be 0) and an IPv6 address in brackets.
 */
function listenerAuthority(req: IncomingMessage, serverHost: string): string {
  const { localAddress, localPort } = req.socket;
  if (localAddress === undefined || localPort === undefined) {
    return serverHost;
  }
  const address = normalizeAddress(localAddress);
  return address.includes(':') ? `[${address}]:${localPort}` : `${address}:${localPort}`;
}

/**
 * A Host header usable in a URL: a name or IPv4 address, or an IPv6 address in brackets, and an optional
 * port. `::1` without brackets is not one (`http://::1/` is no URL; redirects built from it failed).
 */
const AUTHORITY = /^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

/**
 * True for a Host value usable in a URL ({@link AUTHORITY}): a name or IPv4 address, or an IPv6 address in
 * brackets, and an optional port; never userinfo (`a@b`), a path or spaces.
 *
 * @example
 * isAuthority('site.example:8080') // true
 * isAuthority('site.example:80@evil.example') // false
 */
export function isAuthority(host: string): boolean {
  return AUTHORITY.test(host);
}

/** True for a Host (matching {@link AUTHORITY}) without a port or with one from 1 to 65535. Per request. */
function hasUsablePort(host: string): boolean {
  const colon = host.lastIndexOf(':');
  if (colon === -1 || host.endsWith(']')) {
    return true;
  }
  const port = Number(host.slice(colon + 1));
  return port >= 1 && port <= 65_535;
}

/** The first value of a request header, or undefined. */
export function headerValue(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
