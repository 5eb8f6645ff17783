/**
 * Step 0 of the pipeline for upgrade requests (WebSocket). `/api` and `/.auth` upgrades are refused at
 * once (D11), as is every upgrade of a site served from files. In dev-server mode, other upgrades (hot reload) are
 * carried to the dev server, after the same checks a page request gets: a decodable target, a valid
 * config, the networking rules and the matching route's `allowedRoles` (401/403 on the socket; a
 * socket cannot follow a `responseOverrides` page, so none applies).
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { clientAddressOf } from '../shared/forwarded.js';
import { matchRoles } from './auth/index.js';
import { writeSocketAnswer } from './devserver/index.js';
import { refuseUpgrade } from './proxy/index.js';
import { parseRequestTarget } from './request-target.js';
import { apiRouteQuery, isApiPath, matchRoute } from './routing/index.js';
import type { EdgeSite, EdgeStateProvider } from './site.js';

/** Creates the listener for the server's `upgrade` event. It never throws. */
export function createEdgeUpgradeHandler(
  provider: EdgeStateProvider,
): (req: IncomingMessage, socket: Duplex, head: Buffer) => void {
  return (req, socket, head) => {
    const target = parseRequestTarget(req.url);
    const site = target.ok ? provider.resolveSite(req.headers.host) : undefined;
    if (!target.ok || site?.devServer === undefined || isPorticoPath(target.path)) {
      return refuseUpgrade(socket);
    }
    const denial = checkAccess(req, site, target.path);
    if (denial !== undefined) {
      return writeSocketAnswer(socket, denial.status, denial.text);
    }
    site.devServer.carryUpgrade(req, socket, head);
  };
}

/** `/api` (HTTP only, D11) and `/.auth` (Portico's own endpoints) never reach the dev server. */
function isPorticoPath(path: string): boolean {
  return isApiPath(path) || path === '/.auth' || path.startsWith('/.auth/');
}

/** The answer that stops the upgrade, if any: what a page request at the same path would be denied. */
function checkAccess(
  req: IncomingMessage,
  site: EdgeSite,
  path: string,
): { status: number; text: string } | undefined {
  if (!site.state.ok) {
    return {
      status: 500,
      text: 'staticwebapp.config.json is invalid, so nothing is served until it is fixed.',
    };
  }
  const rules = site.state.rules;
  const header = (name: string) => {
    const value = req.headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  if (rules.access?.({ remoteAddress: clientAddressOf(req), header }) !== undefined) {
    return { status: 403, text: 'Access denied by the networking rules.' };
  }
  const method = (req.method ?? 'GET').toUpperCase();
  const route = matchRoute(rules.routes, isApiPath(path) ? apiRouteQuery(path, method) : { path, method });
  const verdict = matchRoles(site.sessions.read(req.headers.cookie), route?.rule.allowedRoles);
  if (verdict === 'unauthenticated') {
    return { status: 401, text: 'You need to sign in first.' };
  }
  return verdict === 'forbidden'
    ? { status: 403, text: 'You do not have permission to open this.' }
    : undefined;
}
