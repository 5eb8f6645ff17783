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

/**
 * A file extension without its leading dot: letters and digits of any script (`ñx`, `日本`, with combining
 * marks), `_`, `-` and `.`, as `mimeTypes` keys accept them. It is compared with the decoded request path.
 */
function isExtension(value: string): boolean {
  return /^[\p{L}\p{M}\p{N}_\-.]+$/u.test(value);
}

/**
 * Why a pattern (normalized to start with `/`) never matches, as the end of the config's warning, or
 * undefined when it can match: a `*` that is not the last one before an extension filter, or an extension
 * filter with something in it that is no extension.
 * @example explainNeverMatch('/a/*.{png,j g}') // '"j g" is not a file extension in "/a/*.{png,j g}": …'
 */
export function explainNeverMatch(pattern: string): string | undefined {
  if (isMatchablePattern(pattern)) {
    return undefined;
  }
  const suffix = pattern.slice(pattern.indexOf('*') + 1);
  if (!suffix.startsWith('.') || /[*/]/.test(suffix)) {
    return (
      `"*" is only allowed at the end of "${pattern}", optionally followed by an extension such as .png or ` +
      '.{png,jpg}; use a pattern like "/images/*" instead'
    );
  }
  const set = /^\.\{([^{}]*)\}$/.exec(suffix)?.[1];
  if (set === undefined && /[{},]/.test(suffix)) {
    return `the extensions after "*" in "${pattern}" are no set: list several in braces, such as .{png,jpg}`;
  }
  const parts = set === undefined ? [suffix.slice(1)] : set.split(',').map((part) => part.trim());
  const bad = parts.find((part) => !isExtension(part)) ?? '';
  const what = bad === '' ? 'an empty extension' : `"${bad}" is not a file extension`;
  return `${what} in "${pattern}": an extension holds only letters, digits, "_", "-" and ".", such as .png`;
}

/** A compiled pattern: whether it matches a decoded path (without the query string). */
export type PathMatcher = (path: string) => boolean;

const NEVER: PathMatcher = () => false;
const AUTH_PREFIX = '/.auth/';

/**
 * Compiles one route pattern (already normalized to start with `/`) into a predicate: an exact path
 * tolerates one trailing slash difference (fail closed); wildcards never match the `/.auth/` system
 * routes, so `/*` cannot lock users out of sign-in. Case-sensitive.
 */
export function compileRoutePattern(pattern: string): PathMatcher {
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
