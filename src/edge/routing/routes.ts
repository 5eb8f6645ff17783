/**
 * `routes[]` matching (spec §1.1): rules are tried in array order and the first rule whose `route` and
 * `methods` match wins; `allowedRoles` is not part of matching. Decision D1: for static requests that
 * resolve to a folder's `index.html`, each rule is also tried against that index path, so
 * `/admin/*` and `/admin/index.html` both protect `/admin` and `/admin/`.
 */
import type { RouteRule } from '../../config/types.js';
import { compilePattern, type PathMatcher } from './pattern.js';

/** A route rule with its compiled matcher. */
export interface CompiledRoute {
  readonly rule: RouteRule;
  readonly matches: PathMatcher;
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
        methods: rule.methods ? new Set<string>(rule.methods) : undefined,
        isApiRule: isApiPath(rule.route),
      }),
    ),
  );
}

/** The request facts that matching looks at. */
export interface RouteQuery {
  readonly path: string;
  readonly method: string;
  /** The folder index path (`/admin/index.html`) when the path resolves to one (D1); static only. */
  readonly indexPath?: string;
}

/** Returns the first rule matching the request, or undefined. Pure: no logging, no I/O. */
export function matchRoute(routes: readonly CompiledRoute[], query: RouteQuery): CompiledRoute | undefined {
  // An indexed loop: a for-of over this frozen array allocated an iterator per request (bench/micro).
  for (let i = 0; i < routes.length; i += 1) {
    const route = routes[i];
    if (route === undefined || (route.methods && !route.methods.has(query.method))) {
      continue;
    }
    if (route.matches(query.path) || (query.indexPath !== undefined && route.matches(query.indexPath))) {
      return route;
    }
  }
  return undefined;
}

/** `/api/...` (case-insensitive) is an API call; plain `/api` is not (spec §10.12). */
export function isApiPath(path: string): boolean {
  return path.length > 5 && path.slice(0, 5).toLowerCase() === '/api/';
}
