/**
 * A deployed API's `.npmrc` is a tenant's file, and the server's npm runs as the server's user: every key
 * that names a file or program (`userconfig`, `globalconfig`, `cafile`, `git`, `cache`, …), or changes
 * where npm installs (`global`, `prefix`, `location`), would let a tenant read the server's files into the
 * deployment log or write outside its own folder. The install therefore sees only the keys a project
 * needs to reach its registries: registries (also per scope), credentials per registry, TLS and fetch
 * settings, and how peer dependencies and engines are treated. Everything else is left out and named in
 * the deployment log.
 */

/** Keys a project `.npmrc` keeps, besides `@scope:registry` and the `//host/path/:credential` ones. */
const KEPT_KEYS = new Set([
  'registry',
  'always-auth',
  'strict-ssl',
  'ca',
  'legacy-peer-deps',
  'strict-peer-deps',
  'engine-strict',
  'package-lock',
  'fetch-retries',
  'fetch-retry-factor',
  'fetch-retry-mintimeout',
  'fetch-retry-maxtimeout',
  'fetch-timeout',
  'maxsockets',
  'prefer-online',
  'prefer-offline',
]);

/** `@scope:registry`. */
const SCOPED_REGISTRY = /^@[a-z0-9][a-z0-9._~-]*:registry$/i;
/** Credentials of one registry: `//host/path/:_authToken` and the like (not certificate files). */
const REGISTRY_CREDENTIAL = /^\/\/[^\s=]*:(?:_authToken|_auth|username|_password|email|always-auth)$/;

/** What a project `.npmrc` becomes for the install. */
export interface FilteredNpmrc {
  /** The kept lines, each `key=value`, or '' when none is kept. */
  readonly text: string;
  /** The keys left out, in order, each once. */
  readonly dropped: readonly string[];
}

/**
 * Keeps the lines of a project `.npmrc` whose key a project may set (see the module comment); comments,
 * blank lines and section headers go. A key is read as npm reads it: before the first `=`, trimmed, with
 * a trailing `[]` for lists.
 */
export function filterProjectNpmrc(text: string): FilteredNpmrc {
  const kept: string[] = [];
  const dropped: string[] = [];
  for (const raw of text.replace(/^\uFEFF/, '').split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) {
      continue;
    }
    const equals = line.indexOf('=');
    const key = (equals === -1 ? line : line.slice(0, equals)).trim().replace(/\[\]$/, '');
    if (equals !== -1 && isKept(key)) {
      kept.push(line);
    } else if (!dropped.includes(key)) {
      dropped.push(key);
    }
  }
  return { text: kept.length === 0 ? '' : `${kept.join('\n')}\n`, dropped };
}

function isKept(key: string): boolean {
  return KEPT_KEYS.has(key.toLowerCase()) || SCOPED_REGISTRY.test(key) || REGISTRY_CREDENTIAL.test(key);
}

/** The deployment log's line about what was left out, or undefined when nothing was. */
export function droppedKeysLine(dropped: readonly string[]): string | undefined {
  if (dropped.length === 0) {
    return undefined;
  }
  const shown = dropped.slice(0, 10).map((key) => printable(key));
  const more = dropped.length > 10 ? ` and ${dropped.length - 10} more` : '';
  return `.npmrc: left out ${shown.join(', ')}${more}: the server's npm takes only registries, registry credentials, TLS, fetch and peer-dependency settings from a project.`;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: the pattern exists to replace control characters
const CONTROL = /[\u0000-\u001f\u007f]/g;

/** A key as the log shows it: at most 64 characters, control characters replaced. */
function printable(key: string): string {
  const clean = key.replace(CONTROL, '?');
  return clean.length > 64 ? `${clean.slice(0, 64)}…` : clean;
}
