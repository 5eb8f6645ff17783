/**
 * Route patterns of `staticwebapp.config.json` (spec §1.2, §10.4):
 * - no `*`: an exact path; a single trailing slash difference is tolerated (fail closed);
 * - `prefix*`: every path beginning with `prefix` (`/admin*` matches `/admin`, `/admin.html`, `/admin/x`);
 * - `prefix*.ext` or `prefix*.{a,b}`: paths beginning with `prefix` and ending in one of the extensions;
 * - a `*` anywhere else never matches (Azure rejects mid-path wildcards).
 * Wildcard patterns never match the `/.auth/` system routes, so `/*` cannot lock users out of sign-in.
 * Matching is case-sensitive and runs on the decoded path without the query string.
 */
export type PathMatcher = (path: string) => boolean;

const NEVER: PathMatcher = () => false;
const AUTH_PREFIX = '/.auth/';

/** Compiles one route pattern (already normalized to start with `/`) into a predicate. */
export function compilePattern(pattern: string): PathMatcher {
  const star = pattern.indexOf('*');
  if (star === -1) {
    return compileExact(pattern);
  }
  const prefix = pattern.slice(0, star);
  const suffix = pattern.slice(star + 1);
  if (suffix === '') {
    return (path) => path.startsWith(prefix) && !path.startsWith(AUTH_PREFIX);
  }
  const extensions = parseExtensionFilter(suffix);
  if (extensions === undefined) {
    return NEVER;
  }
  return (path) =>
    path.startsWith(prefix) && !path.startsWith(AUTH_PREFIX) && endsWithAny(path, prefix.length, extensions);
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

/** `.png` → ['.png']; `.{png,jpg}` → ['.png', '.jpg']; anything else (a mid-path `*`) → undefined. */
export function parseExtensionFilter(suffix: string): string[] | undefined {
  const set = /^\.\{([^{}*/]+)\}$/.exec(suffix);
  if (set?.[1] !== undefined) {
    const parts = set[1].split(',').map((part) => part.trim());
    return parts.every(isExtension) ? parts.map((part) => `.${part}`) : undefined;
  }
  const single = /^\.([^{}*/,]+)$/.exec(suffix);
  return single?.[1] !== undefined && isExtension(single[1]) ? [`.${single[1]}`] : undefined;
}

function isExtension(value: string): boolean {
  return /^[A-Za-z0-9_\-.]+$/.test(value);
}

/** True when a pattern can match anything at all (used to warn about dead rules). */
export function isMatchablePattern(pattern: string): boolean {
  return compilePattern(pattern) !== NEVER;
}
