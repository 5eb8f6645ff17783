/**
 * The edge request pipeline: one function per numbered step of docs/request-pipeline.md. Steps 1–4 run
 * for every request; the route rule found in step 5 decides authorization (6), redirects and status
 * codes (7) and rewrites (8); step 9 dispatches to `/.auth`, `/api` or static content.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { formatDiagnostics } from '../config/index.js';
import { clientAddressOf } from '../shared/forwarded.js';
import type { Logger } from '../shared/logger.js';
import { redactPathSecrets } from '../shared/redact-path.js';
import { type AuthRequestContext, callRolesSource, handleAuthRequest, matchRoles } from './auth/index.js';
import { createContext, type EdgeContext, headerValue, type PrincipalListener } from './context.js';
import { handleInvitation, invitationCodeOf } from './invitations.js';
import { answerRequestHead } from './request-head.js';
import { encodePath, parseRequestTarget } from './request-target.js';
import { sendErrorPage, sendInternalError, sendRedirect, sendText } from './respond.js';
import { apiRouteQuery, type CompiledRoute, isApiPath, matchRoute, servedFileOf } from './routing/index.js';
import { forwardApi } from './serve-api.js';
import { serveFromDevServer } from './serve-devserver.js';
import { isConfigFile, sendError, serveStatic } from './serve-static.js';
import type { EdgeSite, EdgeStateProvider } from './site.js';

export interface EdgeHandlerOptions {
  readonly provider: EdgeStateProvider;
  /** `host:port` of the listener, used when a request has no usable Host header. */
  readonly serverHost: string;
  readonly logger: Logger;
  /** Log one line per request (method, path, status, duration, deciding rule). */
  readonly verbose?: boolean;
  /**
   * Told the principal a request is served as, once the pipeline has read it (`portico serve`'s access
   * log names the user from it instead of reading the session cookie a second time).
   */
  readonly onPrincipal?: PrincipalListener;
  /**
   * Run step 0 (`request-head.ts`) first, inside the handler, so that `--verbose` logs its answers too
   * (`portico start`); `portico serve` runs it in its front instead.
   */
  readonly answersRequestHeads?: boolean;
}

/** Creates the `node:http` request listener of the edge. It never throws and never crashes the process. */
export function createEdgeHandler(
  options: EdgeHandlerOptions,
): (req: IncomingMessage, res: ServerResponse) => void {
  const { logger } = options;
  const heads = options.answersRequestHeads === true;
  return (req, res) => {
    const trace = { note: '' };
    if (options.verbose) {
      const started = performance.now();
      if (heads && answerRequestHead(req, res)) {
        return logRequest(req, res, started, 'step 0', logger);
      }
      handleRequest(req, res, options, trace)
        .catch((error: unknown) => failInternal(res, error, logger))
        .finally(() => logRequest(req, res, started, trace.note, logger));
      return;
    }
    if (heads && answerRequestHead(req, res)) {
      return;
    }
    // Without --verbose, one promise per request fewer: nothing waits for the end to log it.
    handleRequest(req, res, options, trace).catch((error: unknown) => failInternal(res, error, logger));
  };
}

async function handleRequest(
  req: IncomingMessage,
  res: ServerResponse,
  options: EdgeHandlerOptions,
  trace: { note: string },
): Promise<void> {
  // 1. Decode the request target once; refuse what cannot be decoded safely.
  const target = parseRequestTarget(req.url);
  if (!target.ok) {
    return sendText(res, 400, `Bad request: ${target.reason}.\n`);
  }
  // 2. Find the site environment by Host.
  const site = options.provider.resolveSite(req.headers.host);
  if (site === undefined) {
    const missing = options.provider.describeMissing?.(req.headers.host);
    return sendText(
      res,
      missing?.status ?? 404,
      `${missing?.message ?? 'No site is served at this host name.'}\n`,
    );
  }
  return serveSite(req, res, options, trace, target, site, true);
}

/**
 * Steps 3 on, for the site of step 2; `again` lets a static miss serve the request once more with the site
 * that replaced this one meanwhile (decision 0126).
 */
async function serveSite(
  req: IncomingMessage,
  res: ServerResponse,
  options: EdgeHandlerOptions,
  trace: { note: string },
  target: { readonly path: string; readonly rawPath: string; readonly search: string },
  site: EdgeSite,
  again: boolean,
): Promise<void> {
  // 3. Fail closed on an invalid config.
  if (!site.state.ok) {
    return sendErrorPage(res, 500, site.state.publicText ?? invalidConfigText(site.state.diagnostics));
  }
  const method = (req.method ?? 'GET').toUpperCase();
  // The target's fields one by one, not spread: a literal with a spread in it is built field by field at
  // run time (decision 0046), and this runs for every request.
  const ctx = createContext({
    req,
    res,
    method,
    path: target.path,
    rawPath: target.rawPath,
    search: target.search,
    site,
    rules: site.state.rules,
    serverHost: options.serverHost,
    trace,
    logger: options.logger,
    onPrincipal: options.onPrincipal,
    // A closure only where a miss can find a successor (`portico serve`): none per request in `start`.
    reserve:
      again && site.awaitSuccessor !== undefined
        ? (next) => serveSite(req, res, options, trace, target, next, false)
        : undefined,
  });
  // 4. Networking and forwarding-gateway checks come before any route rule (D3).
  const denial = ctx.rules.access?.({
    remoteAddress: clientAddressOf(req),
    header: (name) => headerValue(req, name),
  });
  if (denial !== undefined) {
    ctx.trace.note = `denied: ${denial}`;
    return sendErrorPage(res, 403);
  }
  return applyRoute(ctx, findRoute(ctx));
}

/** 5. The first route rule matching path and method; static folders are also tried as their index (D1). */
function findRoute(ctx: EdgeContext): CompiledRoute | undefined {
  if (ctx.rules.routes.length === 0) {
    return undefined;
  }
  const isApi = isApiPath(ctx.path);
  const isStatic = !isApi && !ctx.path.startsWith('/.auth/');
  const indexPath = isStatic ? servedFileOf(ctx.path, (p) => ctx.site.files.get(p) !== undefined) : undefined;
  const query = isApi
    ? apiRouteQuery(ctx.path, ctx.method)
    : { path: ctx.path, method: ctx.method, indexPath };
  const route = matchRoute(ctx.rules.routes, query);
  if (route !== undefined) {
    ctx.trace.note = `routes[${route.rule.index}] ${route.rule.route}`;
  }
  return route;
}

async function applyRoute(ctx: EdgeContext, route: CompiledRoute | undefined): Promise<void> {
  const rule = route?.rule;
  // 6. Authorization: anonymous → 401, signed in without a role → 403 (D6); both through responseOverrides.
  const verdict = matchRoles(ctx.principal(), rule?.allowedRoles);
  if (verdict !== 'allowed') {
    return sendError(ctx, verdict === 'unauthenticated' ? 401 : 403);
  }
  // 7. Redirects apply everywhere, and so does a blocking status (400+, decision 0013); on /api paths
  // nothing else of the rule does (spec §3.2).
  if (rule?.redirect !== undefined && route !== undefined) {
    if (!redirectsToItself(ctx, rule.redirect)) {
      return sendRedirect(ctx.res, rule.statusCode ?? 302, rule.redirect, ctx.origin);
    }
    // A rule that would send the browser back to the same URL forever is skipped, as by the emulator
    // (spec §10.7): the request is served as if the rule had no redirect (nor its redirect's status).
    ctx.trace.note = `${ctx.trace.note} (redirect to itself skipped)`;
    return applyRoute(ctx, { ...route, rule: { ...rule, redirect: undefined, statusCode: undefined } });
  }
  if (rule?.statusCode !== undefined && rule.statusCode >= 400 && rule.rewrite === undefined) {
    return sendError(ctx, rule.statusCode);
  }
  if (isApiPath(ctx.path)) {
    return forwardApi(ctx, ctx.rawPath + ctx.search);
  }
  // 8. A rewrite serves another path; the browser URL does not change.
  const rewrite = rule?.rewrite;
  if (rewrite === undefined) {
    return dispatch(ctx, ctx.path, rule);
  }
  const mark = rewrite.indexOf('?');
  return mark === -1
    ? dispatch(ctx, rewrite, rule)
    : dispatch(withRewriteQuery(ctx, rewrite.slice(mark + 1)), rewrite.slice(0, mark), rule);
}

/**
 * The context of a rewrite whose target carries a query (`/.auth/login/github?post_login_redirect_uri=/me`,
 * as the SWA CLI reads it): the target's parameters, then the request's own.
 */
function withRewriteQuery(ctx: EdgeContext, query: string): EdgeContext {
  const own = ctx.search.slice(1);
  const joined = [query, own].filter((part) => part !== '').join('&');
  return { ...ctx, search: joined === '' ? '' : `?${joined}` };
}

/**
 * The dev server's roles function (`auth.rolesSource`), called through the site's API after the
 * emulator's form; undefined where sign-in is real (it calls the function itself) or there is none.
 */
function devRolesSource(ctx: EdgeContext): AuthRequestContext['rolesSource'] {
  const path = ctx.rules.config.auth?.rolesSource;
  const api = ctx.site.api;
  if (ctx.site.signIn !== undefined || path === undefined || api === undefined) {
    return undefined;
  }
  return (input) => callRolesSource(api, path, input);
}

/** True when `redirect` names the URL of the request itself: its origin, path and query. */
function redirectsToItself(ctx: EdgeContext, redirect: string): boolean {
  const base = `${ctx.origin}/`;
  const target = URL.canParse(redirect, base) ? new URL(redirect, base) : undefined;
  const here = new URL(ctx.rawPath + ctx.search, base);
  return target !== undefined && target.href === here.href;
}

/** 9. Dispatch to the auth endpoints, the API or static content. */
async function dispatch(
  ctx: EdgeContext,
  path: string,
  rule: CompiledRoute['rule'] | undefined,
): Promise<void> {
  const invitation = ctx.site.identity === undefined ? undefined : invitationCodeOf(path);
  if (invitation !== undefined && ctx.site.identity !== undefined) {
    return handleInvitation(ctx, ctx.site.identity, invitation);
  }
  if (path.startsWith('/.auth/') || path === '/.auth') {
    return handleAuthRequest(ctx.req, ctx.res, {
      path,
      query: new URLSearchParams(ctx.search),
      method: ctx.method,
      origin: ctx.origin,
      allowedRedirectHosts: ctx.rules.config.forwardingGateway?.allowedForwardedHosts ?? [],
      principal: ctx.principal(),
      codec: ctx.site.sessions,
      isProviderEnabled: ctx.site.isProviderEnabled,
      signIn: ctx.site.signIn,
      secureCookies: ctx.proto === 'https',
      purge: ctx.site.identity?.purge,
      rolesSource: devRolesSource(ctx),
      wellKnown: ctx.site.tokens?.wellKnown,
      logger: ctx.logger,
    });
  }
  if (isApiPath(path)) {
    return forwardApi(ctx, encodePath(path) + ctx.search);
  }
  const options = {
    rewritten: rule?.rewrite !== undefined,
    status: rule?.statusCode,
    headers: rule?.headers,
    private: rule?.allowedRoles !== undefined && !rule.allowedRoles.includes('anonymous'),
  };
  if (ctx.site.devServer === undefined) {
    return serveStatic(ctx, path, options);
  }
  // Never served, at any depth: a dev server would hand out its public folder's copy as it is (spec §10.3).
  return isConfigFile(path)
    ? sendError(ctx, 404)
    : serveFromDevServer(ctx, ctx.site.devServer, path, options);
}

function invalidConfigText(diagnostics: Parameters<typeof formatDiagnostics>[0]): string {
  return `staticwebapp.config.json is invalid, so nothing is served until it is fixed:\n${formatDiagnostics(diagnostics)}`;
}

function failInternal(res: ServerResponse, error: unknown, logger: Logger): void {
  logger.error(`internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  if (!res.headersSent) {
    sendInternalError(res);
  } else {
    res.destroy();
  }
}

/**
 * A request target as the log shows it: the path, and of the query only the names (`?code=…`): a value
 * may be a secret (a function key, an OAuth code, a subscription key), as in the access log.
 */
function withoutQueryValues(url: string): string {
  const mark = url.indexOf('?');
  if (mark === -1) {
    return url;
  }
  const names = [...new URLSearchParams(url.slice(mark + 1)).keys()];
  return `${url.slice(0, mark)}?${names.map((name) => `${encodeURIComponent(name)}=…`).join('&')}`;
}

function logRequest(
  req: IncomingMessage,
  res: ServerResponse,
  started: number,
  note: string,
  logger: Logger,
): void {
  const done = () => {
    const ms = (performance.now() - started).toFixed(1);
    logger.info(
      `${req.method} ${withoutQueryValues(redactPathSecrets(req.url ?? '/'))} ${res.statusCode} ${ms}ms${note ? ` (${note})` : ''}`,
    );
  };
  if (res.writableFinished) {
    done();
  } else {
    res.once('finish', done);
    res.once('close', () => res.writableFinished || done());
  }
}
