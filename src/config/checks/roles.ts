import { BUILT_IN_ROLES, MAX_DISTINCT_ROLES } from '../constants.js';
import { createError, createWarning } from '../internal/diagnostics.js';
import type { JsonPath } from '../internal/json-path.js';
import { isCommaJoined, splitRoles } from '../internal/lenient.js';
import type { RawRouteRule } from '../schema.js';
import type { Diagnostic } from '../types.js';

/** `allowedRoles` checks: lenient forms (D9) and Azure's limit of 50 distinct roles per file. */

type RawRoles = NonNullable<RawRouteRule['allowedRoles']>;

/** Warns about comma-joined roles and about an empty list. */
export function checkRoleForms(path: JsonPath, roles: RawRoles): Diagnostic[] {
  if (typeof roles === 'string') {
    const read = JSON.stringify(splitRoles(roles));
    return [createWarning(path, `is a single string and is read as ${read}; write it as that array`)];
  }
  if (roles.length === 0) {
    return [
      createWarning(path, 'is empty, so everyone may use this route; list roles or remove allowedRoles'),
    ];
  }
  return roles.flatMap((entry, index) => checkRoleEntry([...path, index], entry));
}

function checkRoleEntry(path: JsonPath, entry: string): Diagnostic[] {
  if (!isCommaJoined(entry)) {
    return [];
  }
  const read = splitRoles(entry)
    .map((role) => `"${role}"`)
    .join(', ');
  return [
    createWarning(path, `holds several roles separated by commas and is read as ${read}; list each one`),
  ];
}

/** Errors at the first rule that takes the file over {@link MAX_DISTINCT_ROLES} custom roles. */
export function checkRoleLimit(routes: readonly (Partial<RawRouteRule> | undefined)[]): Diagnostic[] {
  const seen = new Set<string>();
  for (const [index, rule] of routes.entries()) {
    for (const role of customRoles(rule)) {
      seen.add(role);
      if (seen.size > MAX_DISTINCT_ROLES) {
        return [roleLimitError(['routes', index, 'allowedRoles'], role)];
      }
    }
  }
  return [];
}

function customRoles(rule: Partial<RawRouteRule> | undefined): string[] {
  const roles = rule?.allowedRoles === undefined ? [] : splitRoles(rule.allowedRoles);
  return roles.map((role) => role.toLowerCase()).filter((role) => !BUILT_IN_ROLES.includes(role));
}

function roleLimitError(path: JsonPath, role: string): Diagnostic {
  return createError(
    path,
    `"${role}" is distinct role number ${MAX_DISTINCT_ROLES + 1}; Azure allows at most ${MAX_DISTINCT_ROLES} ` +
      'distinct roles per file, so merge some roles',
  );
}
