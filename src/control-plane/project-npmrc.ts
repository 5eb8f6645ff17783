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
  /** Keys of lines left out for naming a variable (`${NAME}`), in order, each once. */
  readonly withVariables: readonly string[];
  /**
   * Lines that are not `key=value` (no `=`, or a space in the key), each as `line N` and at most the
   * first word when it reads as a key: such a line is most often a credential written wrong.
   */
  readonly malformed: readonly string[];
}

/**
 * Keeps the lines of a project `.npmrc` whose key a project may set (see the module comment); comments,
 * blank lines and section headers go. Lines are split as npm's ini parser splits them (at any CR or LF:
 * a lone CR starts a line for npm too), and a key is read as npm reads it: before the first `=`, trimmed,
 * with a trailing `[]` for lists. A line naming a variable (`${NAME}`) goes too: npm would fill it from
 * its own environment, which holds the server's paths and none of the tenant's variables.
 */
export function filterProjectNpmrc(text: string): FilteredNpmrc {
  const kept: string[] = [];
  const dropped: string[] = [];
  const withVariables: string[] = [];
  const malformed: string[] = [];
  // Numbered as an editor numbers them (CRLF is one line break); npm splits at any CR or LF.
  const numbered = text
    .replace(/^\uFEFF/, '')
    .split(/\r\n|\n/)
    .flatMap((line, i) => line.split('\r').map((part) => ({ raw: part, number: i + 1 })));
  for (const { raw, number } of numbered) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) {
      continue;
    }
    const equals = line.indexOf('=');
    const key = (equals === -1 ? line : line.slice(0, equals)).trim().replace(/\[\]$/, '');
    const allowed = equals !== -1 && isKept(key);
    if (allowed && !line.includes('${')) {
      kept.push(line);
    } else if (equals === -1 || /\s/.test(key)) {
      // Not a setting npm can read: most often a credential written without `=` (`//host/:_authToken
      // ghp_…`, or a token alone), so only its line and what reads as a key are named.
      malformed.push(malformedLine(key, number));
    } else {
      addOnce(allowed ? withVariables : dropped, key);
    }
  }
  return { text: kept.length === 0 ? '' : `${kept.join('\n')}\n`, dropped, withVariables, malformed };
}

/** What reads as an `.npmrc` key: `//host/path/:name`, `@scope:registry` or a lower-case name. */
const KEY_LIKE = /^(?:\/\/[^\s=]*:[A-Za-z_-]+|@[a-z0-9][a-z0-9._~-]*:registry|[a-z][a-z-]*)$/;

/**
 * How a line without `key=value` is named: its number, and its first word only when that reads as a key
 * (what follows, and a word that does not, may be a secret).
 */
function malformedLine(text: string, number: number): string {
  const first = text.split(/\s/)[0] ?? '';
  return KEY_LIKE.test(first) ? `line ${number} (${first} …)` : `line ${number}`;
}

function addOnce(list: string[], key: string): void {
  if (!list.includes(key)) {
    list.push(key);
  }
}

function isKept(key: string): boolean {
  return KEPT_KEYS.has(key.toLowerCase()) || SCOPED_REGISTRY.test(key) || REGISTRY_CREDENTIAL.test(key);
}

/** The deployment log's lines about what was left out (none when nothing was). */
export function droppedKeysLines(
  filtered: Pick<FilteredNpmrc, 'dropped' | 'withVariables'> & Partial<Pick<FilteredNpmrc, 'malformed'>>,
): string[] {
  const lines: string[] = [];
  const malformed = filtered.malformed ?? [];
  if (malformed.length > 0) {
    lines.push(
      `.npmrc: left out ${keyList(malformed)}: not a key=value setting, so npm cannot read it; write it as key=value (//<registry host>/:_authToken=<token> for a registry token).`,
    );
  }
  if (filtered.dropped.length > 0) {
    lines.push(
      `.npmrc: left out ${keyList(filtered.dropped)}: the server's npm takes only registries, registry credentials, TLS, fetch and peer-dependency settings from a project.`,
    );
  }
  if (filtered.withVariables.length > 0) {
    lines.push(
      `.npmrc: left out ${keyList(filtered.withVariables)}: the server's npm has none of your environment variables to fill \${…} with; write the value itself, or deploy the API with its node_modules folder.`,
    );
  }
  return lines;
}

/** At most ten keys by name, then how many more. */
function keyList(keys: readonly string[]): string {
  const shown = keys.slice(0, 10).map((key) => printable(key));
  const more = keys.length > 10 ? ` and ${keys.length - 10} more` : '';
  return `${shown.join(', ')}${more}`;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: the pattern exists to replace control characters
const CONTROL = /[\u0000-\u001f\u007f]/g;

/** A key as the log shows it: at most 64 characters, control characters replaced. */
function printable(key: string): string {
  const clean = key.replace(CONTROL, '?');
  return clean.length > 64 ? `${clean.slice(0, 64)}…` : clean;
}
