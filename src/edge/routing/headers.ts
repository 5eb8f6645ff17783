/**
 * Header rules (spec §1.4, §10.8): `globalHeaders` apply to static responses, a route's `headers` override
 * a global header of the same name (names compared case-insensitively), and an empty value removes the
 * header from the response. API responses never get either.
 */

/** Merges global and route header rules into one rule set; route entries win, case-insensitively. */
export function mergeHeaderRules(
  global: Readonly<Record<string, string>>,
  route: Readonly<Record<string, string>> | undefined,
): Readonly<Record<string, string>> {
  if (route === undefined) {
    return global;
  }
  const merged = new Map<string, [string, string]>();
  for (const [name, value] of Object.entries(global)) {
    merged.set(name.toLowerCase(), [name, value]);
  }
  for (const [name, value] of Object.entries(route)) {
    merged.set(name.toLowerCase(), [name, value]);
  }
  return Object.fromEntries(merged.values());
}
