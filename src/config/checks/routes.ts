import { createWarning } from '../internal/diagnostics.js';
import type { JsonPath } from '../internal/json-path.js';
import { isApiRoute } from '../internal/lenient.js';
import type { RawRouteRule } from '../schema.js';
import type { Diagnostic } from '../types.js';
import { checkLeadingSlash, checkRoutePattern, checkSingleAction, checkStatusCode } from './common.js';
import { checkRoleForms, checkRoleLimit } from './roles.js';

/** Checks of `routes[]` beyond the schema (learn.microsoft.com/azure/static-web-apps/configuration#routes). */

const API_IGNORED_KEYS = ['rewrite', 'headers', 'statusCode'] as const;

/** Checks the valid fields of every rule (`undefined` marks a rule that is not an object) and the role limit. */
export function checkRoutes(routes: readonly (Partial<RawRouteRule> | undefined)[]): Diagnostic[] {
  const perRule = routes.flatMap((rule, index) =>
    rule === undefined ? [] : checkRule(['routes', index], rule),
  );
  return [...perRule, ...checkRoleLimit(routes)];
}

function checkRule(path: JsonPath, rule: Partial<RawRouteRule>): Diagnostic[] {
  return [
    ...(rule.route === undefined ? [] : checkRoutePattern([...path, 'route'], rule.route)),
    ...checkSingleAction(path, rule),
    ...checkLeadingSlash([...path, 'rewrite'], rule.rewrite),
    ...checkStatusCode([...path, 'statusCode'], rule.statusCode),
    ...checkMethods([...path, 'methods'], rule.methods),
    ...(rule.allowedRoles === undefined ? [] : checkRoleForms([...path, 'allowedRoles'], rule.allowedRoles)),
    ...checkApiRule(path, rule),
  ];
}

function checkMethods(path: JsonPath, methods: readonly string[] | undefined): Diagnostic[] {
  if (methods === undefined || methods.length > 0) {
    return [];
  }
  return [createWarning(path, 'is empty, so this rule never matches; list methods or remove "methods"')];
}

/** On `/api/` routes only `redirect` and `allowedRoles` apply; the response comes from the API itself. */
function checkApiRule(path: JsonPath, rule: Partial<RawRouteRule>): Diagnostic[] {
  if (rule.route === undefined || !isApiRoute(rule.route)) {
    return [];
  }
  // With a redirect, statusCode picks the redirect's status (301, 302, 307 or 308), which applies.
  const ignored = API_IGNORED_KEYS.filter(
    (key) => rule[key] !== undefined && !(key === 'statusCode' && rule.redirect !== undefined),
  );
  return ignored.map((key) =>
    createWarning(
      [...path, key],
      `has no effect on /api routes, where only redirect and allowedRoles apply; remove "${key}"`,
    ),
  );
}
