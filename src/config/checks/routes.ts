import { createWarning } from '../internal/diagnostics.js';
import type { JsonPath } from '../internal/json-path.js';
import { isApiRoute } from '../internal/lenient.js';
import type { RawRouteRule } from '../schema.js';
import type { Diagnostic } from '../types.js';
import { checkLeadingSlash, checkRoutePattern, checkSingleAction, checkStatusCode } from './common.js';
import { checkRoleForms, checkRoleLimit } from './roles.js';

/** Checks of `routes[]` beyond the schema (learn.microsoft.com/azure/static-web-apps/configuration#routes). */

const API_IGNORED_KEYS = ['rewrite', 'headers'] as const;

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
    ...checkAzureRefuses(path, rule),
  ];
}

/**
 * What Portico serves but Azure refuses or never matches: a status code beside a rewrite (Azure's deploy
 * refuses the file), and a `?` in a route (routes match the path, never the query string).
 */
function checkAzureRefuses(path: JsonPath, rule: Partial<RawRouteRule>): Diagnostic[] {
  const found: Diagnostic[] = [];
  if (rule.rewrite !== undefined && rule.statusCode !== undefined) {
    found.push(
      createWarning(
        [...path, 'statusCode'],
        'goes with a rewrite, which Azure refuses at deploy ("Status code cannot be specified for a rule with Rewrite specified"); remove it, or answer the status with a responseOverrides entry',
      ),
    );
  }
  if (rule.route?.includes('?') === true) {
    found.push(
      createWarning(
        [...path, 'route'],
        `has a "?", so this rule never matches: routes match the path without its query string; remove "${rule.route.slice(rule.route.indexOf('?'))}"`,
      ),
    );
  }
  return found;
}

function checkMethods(path: JsonPath, methods: readonly string[] | undefined): Diagnostic[] {
  if (methods === undefined || methods.length > 0) {
    return [];
  }
  return [createWarning(path, 'is empty, so this rule never matches; list methods or remove "methods"')];
}

/**
 * On `/api/` routes only `redirect`, `allowedRoles` and a blocking `statusCode` (400 or more, answered
 * without calling the API: decision 0013) apply; the response comes from the API itself.
 */
function checkApiRule(path: JsonPath, rule: Partial<RawRouteRule>): Diagnostic[] {
  if (rule.route === undefined || !isApiRoute(rule.route)) {
    return [];
  }
  const ignored = API_IGNORED_KEYS.filter((key) => rule[key] !== undefined).map((key) =>
    createWarning(
      [...path, key],
      `has no effect on /api routes, where only redirect, allowedRoles and a status of 400 or more apply; remove "${key}"`,
    ),
  );
  const status = Number(rule.statusCode);
  if (rule.statusCode !== undefined && rule.redirect === undefined && !(status >= 400)) {
    ignored.push(
      createWarning(
        [...path, 'statusCode'],
        'has no effect on /api routes unless it is 400 or more (which blocks the API path) or goes with a redirect; remove "statusCode"',
      ),
    );
  }
  return ignored;
}
