/**
 * The pipeline for upgrade requests (WebSocket): step 0 first, as for HTTP requests. `/api` and `/.auth` upgrades are refused at
 * once (D11), as is every upgrade of a site served from files. In dev-server mode, other upgrades (hot reload) are
 * carried to the dev server, after the same checks a page request gets: a decodable target, a valid
 * config, the networking rules and the matching route's `allowedRoles` (401/403 on the socket; a
 * socket cannot follow a `responseOverrides` page, so none applies).
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { clientAddressOf } from '../shared/forwarded.js';
import { matchRoles } from './auth/index.js';
import { requestOriginOf } from './context.js';
import { writeSocketAnswer } from './devserver/index.js';
import { createDevServerUpgradeHeaders } from './devserver-headers.js';
import { refuseUpgrade } from './proxy/index.js';
import { checkRequestHead } from './request-head.js';
import { parseRequestTarget } from './request-target.js';
import { apiRouteQuery, isApiPath, matchRoute, type SiteRules } from './routing/index.js';
import type { EdgeStateProvider } from './site.js';
import type { ClientPrincipal } from './types.js';

/**
 * Creates the listener for the server's `upgrade` event. It never throws. `serverHost` (`host:port` of the
 * listener) names Portico's origin for a handshake without a usable Host, as for HTTP requests.
 */
export function createEdgeUpgradeHandler(
  provider: EdgeStateProvider,
  serverHost = '',
): (req: IncomingMessage, socket: Duplex, head: Buffer) => void {
  return (req, socket, head) => {
    // Step 0 as for HTTP requests (decision 0119): a handshake with an ambiguous host or an unusable
    // `Host` port is refused before the host's site is looked up, so the dev server never sees it.
    const answer = checkRequestHead(req);
    if (answer !== undefined) {
      return answer.text === undefined
        ? refuseUpgrade(socket)
        : writeSocketAnswer(socket, answer.status, answer.text.trimEnd());
    }
    const target = parseRequestTarget(req.url);
    const site = target.ok ? provider.resolveSite(req.headers.host) : undefined;
    if (!target.ok || site?.devServer === undefined || isPorticoPath(target.path)) {
      return refuseUpgrade(socket);
    }
    if (!site.state.ok) {
      return writeSocketAnswer(socket, 500, INVALID_CONFIG);
    }
    const principal = site.sessions.read(req.headers.cookie);
    const denial = checkAccess(req, site.state.rules, principal, target.path);
    if (denial !== undefined) {
      return writeSocketAnswer(socket, denial.status, denial.text);
    }
    // The headers a page request at this URL would carry (principal, forwarded fields, Origin).
    const hop = { ...requestOriginOf(req, site, site.state.rules, serverHost), principal };
    const headers = createDevServerUpgradeHeaders(
      req,
      { ...hop, pathAndQuery: req.url ?? '/' },
      site.devServer,
    );
    site.devServer.carryUpgrade(req, socket, head, headers);
  };
}

const INVALID_CONFIG = 'staticwebapp.config.json is invalid, so nothing is served until it is fixed.';

/** `/api` (HTTP only, D11) and `/.auth` (Portico's own endpoints) never reach the dev server. */
function isPorticoPath(path: string): boolean {
  return isApiPath(path) || path === '/.auth' || path.startsWith('/.auth/');
}

/** The answer that stops the upgrade, if any: what a page request at the same path would be denied. */
function checkAccess(
  req: IncomingMessage,
  rules: SiteRules,
  principal: ClientPrincipal | null,
  path: string,
): { status: number; text: string } | undefined {
  const header = (name: string) => {
    const value = req.headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  if (rules.access?.({ remoteAddress: clientAddressOf(req), header }) !== undefined) {
    return { status: 403, text: 'Access denied by the networking rules.' };
  }
  const method = (req.method ?? 'GET').toUpperCase();
  const route = matchRoute(rules.routes, isApiPath(path) ? apiRouteQuery(path, method) : { path, method });
  const verdict = matchRoles(principal, route?.rule.allowedRoles);
  if (verdict === 'unauthenticated') {
    return { status: 401, text: 'You need to sign in first.' };
  }
  return verdict === 'forbidden'
    ? { status: 403, text: 'You do not have permission to open this.' }
    : undefined;
}
