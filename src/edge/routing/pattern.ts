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
import { compileRoutePattern, type PathMatcher } from '../../config/index.js';

export type { PathMatcher };

/** Compiles one route pattern (already normalized to start with `/`) into a predicate. */
export const compilePattern: (pattern: string) => PathMatcher = compileRoutePattern;
