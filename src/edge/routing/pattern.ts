/**
 * Route patterns of `staticwebapp.config.json` (spec §1.2, §10.4):
 * - no `*`: an exact path; a single trailing slash difference is tolerated (fail closed);
 * - `prefix*`: every path beginning with `prefix` (`/admin*` matches `/admin`, `/admin.html`, `/admin/x`);
 * - `prefix*.ext` or `prefix*.{a,b}`: paths beginning with `prefix` and ending in one of the extensions;
 * - a `*` anywhere else never matches (Azure rejects mid-path wildcards).
 * The grammar itself is `config/route-pattern.ts`, shared with the config checks.
 * Wildcard patterns never match the `/.auth/` system routes, so `/*` cannot lock users out of sign-in.
 * Matching is case-sensitive and runs on the decoded path without the query string.
 */
import { parseRoutePattern } from '../../config/index.js';

export type PathMatcher = (path: string) => boolean;

const NEVER: PathMatcher = () => false;
const AUTH_PREFIX = '/.auth/';

/** Compiles one route pattern (already normalized to start with `/`) into a predicate. */
export function compilePattern(pattern: string): PathMatcher {
  const parsed = parseRoutePattern(pattern);
  switch (parsed.kind) {
    case 'exact':
      return compileExact(parsed.path);
    case 'prefix': {
      const { prefix } = parsed;
      return (path) => path.startsWith(prefix) && !path.startsWith(AUTH_PREFIX);
    }
    case 'extensions': {
      const { prefix, extensions } = parsed;
      return (path) =>
        path.startsWith(prefix) &&
        !path.startsWith(AUTH_PREFIX) &&
        endsWithAny(path, prefix.length, extensions);
    }
    default:
      return NEVER;
  }
}

/** True when `path` ends in one of `extensions` after at least `start` characters (no allocation: hot path). */
function endsWithAny(path: string, start: number, extensions: readonly string[]): boolean {
  for (let i = 0; i < extensions.length; i += 1) {
    const ext = extensions[i] ?? '';
    if (path.length >= start + ext.length && path.endsWith(ext)) {
      return true;
    }
  }
  return false;
}

function compileExact(pattern: string): PathMatcher {
  const bare = pattern.length > 1 && pattern.endsWith('/') ? pattern.slice(0, -1) : pattern;
  const slashed = bare === '/' ? bare : `${bare}/`;
  return (path) => path === bare || path === slashed;
}
