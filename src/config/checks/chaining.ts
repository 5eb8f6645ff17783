import { createWarning } from '../internal/diagnostics.js';
import type { JsonPath } from '../internal/json-path.js';
import { splitRoles, withLeadingSlash } from '../internal/lenient.js';
import { compileRoutePattern, parseRoutePattern, type RoutePattern } from '../route-pattern.js';
import type { Diagnostic } from '../types.js';
import type { SalvagedConfig } from '../validate.js';

/**
 * Rules are not chained (spec §1.2): a rewrite — of a route, of the navigation fallback, or of a response
 * override — serves its target without checking the target's own route rule. When that rule limits the
 * target to some roles, the rewrite hands the page to whoever reaches the rewriting path: said as a
 * warning, with the rule that protects the target.
 */
export function checkRewriteTargets(config: SalvagedConfig): Diagnostic[] {
  const routes = (config.routes ?? []).flatMap((rule, index) =>
    rule?.route === undefined
      ? []
      : [{ index, rule, matches: compileRoutePattern(withLeadingSlash(rule.route)) }],
  );
  const protectorOf = (target: string) => {
    const path = withLeadingSlash(target).split('?', 1)[0] ?? '';
    const first = routes.find(
      ({ rule, matches }) => matches(path) && (rule.methods === undefined || rule.methods.includes('GET')),
    );
    const roles = first?.rule.allowedRoles === undefined ? [] : splitRoles(first.rule.allowedRoles);
    return first === undefined || roles.length === 0 || roles.includes('anonymous')
      ? undefined
      : { index: first.index, roles };
  };
  const warn = (path: JsonPath, target: string, who: string) => {
    const protector = protectorOf(target);
    return protector === undefined
      ? []
      : [
          createWarning(
            path,
            `serves ${target} to ${who}, though routes[${protector.index}] limits it to ${protector.roles.join(', ')}: rules are not chained, so the rewritten request is not checked again; give the rewriting rule the same allowedRoles, or rewrite to a page anyone may see`,
          ),
        ];
  };
  const fromRoutes = routes.flatMap(({ index, rule }) => {
    const roles = rule.allowedRoles === undefined ? [] : splitRoles(rule.allowedRoles);
    const guarded = roles.length > 0 && !roles.includes('anonymous');
    return rule.rewrite === undefined || guarded
      ? []
      : warn(['routes', index, 'rewrite'], rule.rewrite, 'anyone this rule matches');
  });
  const fallback = config.navigationFallback?.rewrite;
  const fallbackGuarded = (roles: readonly string[]) =>
    isEveryFallbackPathGuarded(routes, config.navigationFallback?.exclude ?? [], roles);
  const fromFallback =
    fallback === undefined || fallbackGuarded(protectorOf(fallback)?.roles ?? [])
      ? []
      : warn(['navigationFallback', 'rewrite'], fallback, 'anyone who asks for a path that is not a file');
  const fromOverrides = Object.entries(config.responseOverrides ?? {}).flatMap(([code, override]) =>
    override?.rewrite === undefined
      ? []
      : warn(['responseOverrides', code, 'rewrite'], override.rewrite, `every ${code} answer`),
  );
  return [...fromRoutes, ...fromFallback, ...fromOverrides];
}

/** A route rule as the checks read it: its place in `routes` and what it says. */
interface IndexedRoute {
  readonly index: number;
  readonly rule: NonNullable<NonNullable<SalvagedConfig['routes']>[number]>;
}

/**
 * True when every path that can reach the navigation fallback is checked first by a rule at least as
 * strict as `targetRoles` (Azure's "restrict the entire app" pattern, `"/*"` with `allowedRoles`): the
 * fallback then only serves users who may see its page. Rules are read in order up to the first
 * catch-all (`/*`) that requires such roles; a rule before it that matches pages (GET) without them lets
 * its paths reach the fallback unchecked, unless the fallback excludes all of them or it redirects.
 */
function isEveryFallbackPathGuarded(
  routes: readonly IndexedRoute[],
  exclude: readonly (string | undefined)[],
  targetRoles: readonly string[],
): boolean {
  if (targetRoles.length === 0) {
    return false;
  }
  const excluded = exclude.flatMap((pattern) =>
    pattern === undefined ? [] : [parseRoutePattern(withLeadingSlash(pattern))],
  );
  for (const { rule } of routes) {
    if (rule.route === undefined || (rule.methods !== undefined && !rule.methods.includes('GET'))) {
      continue;
    }
    const pattern = parseRoutePattern(withLeadingSlash(rule.route));
    const strict = rolesImply(
      rule.allowedRoles === undefined ? [] : splitRoles(rule.allowedRoles),
      targetRoles,
    );
    if (strict && pattern.kind === 'prefix' && pattern.prefix === '/') {
      return true;
    }
    const reachesFallback =
      !strict && rule.redirect === undefined && !excluded.some((outer) => patternWithin(pattern, outer));
    if (reachesFallback) {
      return false;
    }
  }
  return false;
}

/**
 * True when every user that `roles` lets in is also let in by `target`: each of its roles is one of
 * `target`'s, or `target` takes any signed-in user (`authenticated`) and the role is not `anonymous`.
 */
function rolesImply(roles: readonly string[], target: readonly string[]): boolean {
  return (
    roles.length > 0 &&
    roles.every((role) => target.includes(role) || (role !== 'anonymous' && target.includes('authenticated')))
  );
}

/** True when every path `inner` matches, `outer` matches too (the cases a config can state). */
function patternWithin(inner: RoutePattern, outer: RoutePattern): boolean {
  if (inner.kind === 'never') {
    return true;
  }
  if (outer.kind === 'exact' || outer.kind === 'never') {
    return inner.kind === 'exact' && outer.kind === 'exact' && inner.path === outer.path;
  }
  const innerPrefix = inner.kind === 'exact' ? inner.path : inner.prefix;
  if (!innerPrefix.startsWith(outer.prefix)) {
    return false;
  }
  if (outer.kind === 'prefix') {
    return true;
  }
  if (inner.kind === 'exact') {
    return outer.extensions.some((extension) => inner.path.endsWith(extension));
  }
  return inner.kind === 'extensions' && inner.extensions.every((e) => outer.extensions.includes(e));
}
