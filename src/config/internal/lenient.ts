/**
 * The lenient value forms of D9 and the canonical values they stand for. The checks warn with these
 * predicates and `normalize.ts` converts with these functions, so both always agree.
 */

const API_ROUTE = /^\/api\//i;

/** True when `value` starts with `/`. */
export function hasLeadingSlash(value: string): boolean {
  return value.startsWith('/');
}

/** `value` with a leading `/` added when missing (`index.html` → `/index.html`, `*.foo` → `/*.foo`). */
export function withLeadingSlash(value: string): string {
  return hasLeadingSlash(value) ? value : `/${value}`;
}

/** A status code written as a number or as a numeric string, as a number. */
export function toStatusCode(value: number | string): number {
  return typeof value === 'number' ? value : Number.parseInt(value, 10);
}

/** Role names from an array or a comma-joined string, split on commas and trimmed, in order. */
export function splitRoles(value: string | readonly string[]): string[] {
  const entries = typeof value === 'string' ? [value] : value;
  return entries.flatMap((entry) => entry.split(',').map((role) => role.trim()));
}

/** True when an entry holds more than one role (`"authenticated, members"`). */
export function isCommaJoined(entry: string): boolean {
  return entry.includes(',');
}

/** True for routes under `/api/` (case-insensitive, as the emulator classifies API calls). */
export function isApiRoute(route: string): boolean {
  return API_ROUTE.test(withLeadingSlash(route));
}
