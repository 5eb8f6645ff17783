import { createError, createWarning } from '../internal/diagnostics.js';
import type { JsonPath } from '../internal/json-path.js';
import { hasLeadingSlash, withLeadingSlash } from '../internal/lenient.js';
import { explainNeverMatch } from '../route-pattern.js';
import type { Diagnostic } from '../types.js';

/** Checks shared by route rules, the navigation fallback and response overrides. */

/** Warns about a pattern without a leading slash (D9) and about wildcards that can never match. */
export function checkRoutePattern(path: JsonPath, pattern: string, subject = 'this rule'): Diagnostic[] {
  const diagnostics = checkLeadingSlash(path, pattern);
  const reason = explainNeverMatch(withLeadingSlash(pattern));
  if (reason !== undefined) {
    diagnostics.push(createWarning(path, `${subject} never matches: ${reason}`));
  }
  return diagnostics;
}

/** Warns about a path written without its leading slash (D9), which Portico adds. */
export function checkLeadingSlash(path: JsonPath, value: string | undefined): Diagnostic[] {
  if (value === undefined || hasLeadingSlash(value)) {
    return [];
  }
  const fixed = withLeadingSlash(value);
  return [
    createWarning(path, `"${value}" does not start with "/" and is read as "${fixed}"; write "${fixed}"`),
  ];
}

/** Warns about a status code written as a string (D9). */
export function checkStatusCode(path: JsonPath, value: number | string | undefined): Diagnostic[] {
  if (typeof value !== 'string') {
    return [];
  }
  return [
    createWarning(path, `is the string "${value}" and is read as the number ${value}; remove the quotes`),
  ];
}

const REDIRECT_STATUSES: ReadonlySet<number> = new Set([301, 302, 307, 308]);

/**
 * Errors when an entry has both `rewrite` and `redirect`, which Azure forbids, and when a redirect's
 * `statusCode` is not a redirect status (a 200 "redirect" is an empty page with a Location header).
 */
export function checkSingleAction(
  path: JsonPath,
  entry: { rewrite?: string; redirect?: string; statusCode?: number | string },
): Diagnostic[] {
  if (entry.redirect !== undefined && entry.statusCode !== undefined) {
    const status = Number(entry.statusCode);
    if (!REDIRECT_STATUSES.has(status)) {
      return [
        createError(
          [...path, 'statusCode'],
          `is ${status}, which is not a redirect status: with "redirect", use 301 (permanent), 302 (the default), 307 or 308, or remove "statusCode"`,
        ),
      ];
    }
  }
  if (entry.rewrite === undefined || entry.redirect === undefined) {
    return [];
  }
  return [
    createError(
      path,
      'has both rewrite and redirect, which cannot be combined; keep rewrite to serve another path ' +
        'or redirect to send the browser elsewhere',
    ),
  ];
}
