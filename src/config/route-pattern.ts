/**
 * The grammar of `route` and `exclude` patterns (spec §1.2, §10.4), in one place: the edge compiles
 * patterns with it and the config checks warn with it, so a rule the matcher can never match is always
 * reported.
 * - no `*`: an exact path;
 * - `prefix*`: every path beginning with `prefix`;
 * - `prefix*.ext` or `prefix*.{a,b}`: paths beginning with `prefix` and ending in one of the extensions;
 * - a `*` anywhere else, or a malformed extension filter: never matches (Azure rejects mid-path wildcards).
 */
export type RoutePattern =
  | { readonly kind: 'exact'; readonly path: string }
  | { readonly kind: 'prefix'; readonly prefix: string }
  | { readonly kind: 'extensions'; readonly prefix: string; readonly extensions: readonly string[] }
  | { readonly kind: 'never' };

/** Classifies a pattern (normalized to start with `/`). */
export function parseRoutePattern(pattern: string): RoutePattern {
  const star = pattern.indexOf('*');
  if (star === -1) {
    return { kind: 'exact', path: pattern };
  }
  const prefix = pattern.slice(0, star);
  const suffix = pattern.slice(star + 1);
  if (suffix === '') {
    return { kind: 'prefix', prefix };
  }
  const extensions = parseExtensionFilter(suffix);
  return extensions === undefined ? { kind: 'never' } : { kind: 'extensions', prefix, extensions };
}

/** True when a pattern can match anything at all (the config warns about the others). */
export function isMatchablePattern(pattern: string): boolean {
  return parseRoutePattern(pattern).kind !== 'never';
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
