/**
 * `navigationFallback` (spec §1.3, §10.5): a request that matches no file is answered with the fallback
 * file and status 200, unless its path matches an `exclude` pattern (then 404). Never for `/.auth/*` or
 * `/api/*`; never when the request's own route rule set an error status (D2).
 */
import type { NavigationFallback } from '../../config/types.js';
import { compilePattern, type PathMatcher } from './pattern.js';

export interface CompiledFallback {
  readonly rewrite: string;
  readonly isExcluded: PathMatcher;
}

/** Compiles the fallback's exclude patterns once. */
export function compileFallback(fallback: NavigationFallback | undefined): CompiledFallback | undefined {
  if (fallback === undefined) {
    return undefined;
  }
  const matchers = fallback.exclude.map(compilePattern);
  return Object.freeze({
    rewrite: fallback.rewrite,
    isExcluded: (path: string) => matchers.some((match) => match(path)),
  });
}

/** The path of the fallback file for a missing `path`, or undefined when the fallback does not apply. */
export function matchFallback(fallback: CompiledFallback | undefined, path: string): string | undefined {
  if (fallback === undefined || path.startsWith('/.auth/') || fallback.isExcluded(path)) {
    return undefined;
  }
  return fallback.rewrite;
}
