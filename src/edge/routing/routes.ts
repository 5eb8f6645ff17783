/**
 * `routes[]` matching (spec §1.1): rules are tried in array order and the first rule whose `route` and
 * `methods` match wins; `allowedRoles` is not part of matching. Decision D1: for static requests that
 * are served from another file (a folder's `index.html`, or `<path>.html` for an extensionless path),
 * each rule is also tried against that file's path, so `/admin/*` and `/admin/index.html` both protect
 * `/admin` and `/admin/`, and `/secret.html` protects `/secret`.
 * A rule for GET holds for HEAD too (decision 0065).
 * Matching is case-sensitive (spec §1.2), except for API calls: `/API/x` is one (spec §10.12) and
 * functions route without regard to case, so a rule on `/api/x` must hold for `/API/X` too (fail closed).
 */
import type { RouteRule } from '../../config/types.js';
import { caselessForm } from '../../shared/case-fold.js';
import { compilePattern, type PathMatcher } from './pattern.js';

/** A route rule with its compiled matcher. */
export interface CompiledRoute {
  readonly rule: RouteRule;
  readonly matches: PathMatcher;
  /** The rule's pattern as {@link functionPathOf} writes it, for API calls' paths written so. */
  readonly matchesFolded: PathMatcher;
  readonly methods?: ReadonlySet<string>;
  /** True when the rule's pattern starts with `/api/` (only redirect and allowedRoles apply there). */
  readonly isApiRule: boolean;
}

/** Compiles every rule once; the result is frozen. */
export function compileRoutes(rules: readonly RouteRule[]): readonly CompiledRoute[] {
  return Object.freeze(
    rules.map((rule) =>
      Object.freeze({
        rule,
        matches: compilePattern(rule.route),
        matchesFolded: compilePattern(functionPathOf(rule.route)),
        methods: rule.methods ? methodsOf(rule.methods) : undefined,
        isApiRule: isApiPath(rule.route),
      }),
    ),
  );
}

/**
 * The methods a rule matches. A rule for GET also holds for HEAD (decision 0065): HEAD is GET without the
 * body, and a rule limiting GET to some roles would otherwise tell anyone a page's size, ETag and dates.
 */
function methodsOf(methods: readonly string[]): ReadonlySet<string> {
  const set = new Set<string>(methods);
  if (set.has('GET')) {
    set.add('HEAD');
  }
  return set;
}

/** The request facts that matching looks at. */
export interface RouteQuery {
  readonly path: string;
  readonly method: string;
  /** The file the path is served from when that is another path (`/admin/index.html`, D1); static only. */
  readonly indexPath?: string;
}

/**
 * The query of an API call (spec §10.12): its path is compared as {@link functionPathOf} writes it (and
 * the rules' patterns too), without case, `;` parameters, repeated or trailing slashes: as the functions
 * route it, and as a Java or Spring backend reads it (`/api/;/admin//` is `/api/admin`). A raw `\`, which
 * URL parsers read as `/`, never gets here: the request target refuses it (decision 0118).
 */
export function apiRouteQuery(path: string, method: string): RouteQuery & { readonly folded: true } {
  return { path: functionPathOf(path), method, folded: true };
}

const PATH_PARAMETERS = /;[^/]*/g;

/**
 * A path without the `;` parameters of its segments (`/api/admin;x` → `/api/admin`). A backend on a Java
 * server (Tomcat, Jetty, Spring) drops them before it routes, so `/api` rules and the roles function are
 * matched as it will read the path, not as a name no rule names; the path is forwarded as sent.
 */
function withoutPathParameters(path: string): string {
  return path.includes(';') ? path.replace(PATH_PARAMETERS, '') : path;
}

/** Returns the first rule matching the request, or undefined. Pure: no logging, no I/O. */
export function matchRoute(
  routes: readonly CompiledRoute[],
  query: RouteQuery & { readonly folded?: boolean },
): CompiledRoute | undefined {
  // An indexed loop: a for-of over this frozen array allocated an iterator per request (bench/micro).
  for (let i = 0; i < routes.length; i += 1) {
    const route = routes[i];
    if (route === undefined || (route.methods && !route.methods.has(query.method))) {
      continue;
    }
    const matches = query.folded === true ? route.matchesFolded : route.matches;
    if (matches(query.path) || (query.indexPath !== undefined && matches(query.indexPath))) {
      return route;
    }
  }
  return undefined;
}

/**
 * A path as a function's route is matched: without case, `;` parameters, repeated slashes or trailing
 * slashes (`/API//GetRoles;x/` → `/api/getroles`). Case is folded as the functions host folds it, and as
 * lower-casing does (`/api/GetRoleſ` → `/api/getroles`): see shared/case-fold.ts.
 */
export function functionPathOf(path: string): string {
  const lower = caselessForm(withoutPathParameters(path));
  // Runs for every /api call with route rules: the pattern only when there is a slash to merge.
  const folded = lower.includes('//') ? lower.replace(/\/{2,}/g, '/') : lower;
  return folded.length > 1 && folded.endsWith('/') ? folded.slice(0, -1) : folded;
}

/** `/api/...` (case-insensitive) is an API call; plain `/api` is not (spec §10.12). */
export function isApiPath(path: string): boolean {
  return path.length > 5 && path.slice(0, 5).toLowerCase() === '/api/';
}
