import { createWarning } from '../internal/diagnostics.js';
import type { JsonPath } from '../internal/json-path.js';
import { splitRoles, withLeadingSlash } from '../internal/lenient.js';
import { compileRoutePattern } from '../route-pattern.js';
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
  const fromFallback =
    fallback === undefined
      ? []
      : warn(['navigationFallback', 'rewrite'], fallback, 'anyone who asks for a path that is not a file');
  const fromOverrides = Object.entries(config.responseOverrides ?? {}).flatMap(([code, override]) =>
    override?.rewrite === undefined
      ? []
      : warn(['responseOverrides', code, 'rewrite'], override.rewrite, `every ${code} answer`),
  );
  return [...fromRoutes, ...fromFallback, ...fromOverrides];
}
