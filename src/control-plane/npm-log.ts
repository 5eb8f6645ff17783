/**
 * What a deployment's log keeps of `npm install`: npm runs with `--loglevel=http` so that a long install
 * says what it is doing, and its request lines (one per package document or tarball) are summarised into
 * progress lines (`npm install: 120 packages resolved, 80 fetched, 8 s…`) instead of being kept; npm's
 * other lines (warnings, errors, `added 3 packages in 1s`) are kept as they are. Every kept or made line
 * has the install's secrets taken out first ({@link createRedactor}).
 */
import { countOf } from '../shared/count.js';
import { PREVIOUS_KEEPS_SERVING } from './deploy-failure.js';

/** At most one progress line per this interval, after the first. */
export const PROGRESS_INTERVAL_MS = 2_000;

/** `npm http fetch GET 200 <url> 12ms (cache miss)`: the URL. */
const FETCH_LINE = /^npm http fetch \S+ \d{3} (\S+)/;
/** `npm http cache <name>@<url> 0ms (cache hit)` or `npm http cache <url> …`: the URL. */
const CACHE_LINE = /^npm http cache (?:@?[^@\s]+@)?(\S+)/;
/** `npm http fetch GET <url> attempt 1 failed with ECONNREFUSED`: the URL and npm's code. */
const RETRY_LINE = /^npm http fetch \S+ (\S+) attempt \d+ failed with (\S+)/;
/** Any other `npm http …` line: nothing to show. */
const OTHER_HTTP_LINE = /^npm http /;
/** npm's summary (`added 3 packages in 1s`, `up to date …`): npm's work is done, no progress follows. */
const DONE_LINE = /^(?:added|removed|changed|up to date|audited) /;
/** Lines that say nothing to a deployer: npm writes no debug log files by the server's choice. */
const SILENT_LINE = /Log files were not written due to the config logs-max=0/;

/** What the server knows of an install, for its messages. */
export interface InstallFacts {
  /** Hosts (`host:port`) npm was sent to that do not resolve on the server. */
  readonly unresolved?: readonly string[];
  /** The operator's `npm_config_cafile`, and whether npm sees it where it runs (the functions sandbox). */
  readonly cafile?: { readonly path: string; readonly visible: boolean };
}

/** The summariser of one install's output. */
export interface NpmLog {
  /** Takes one line of npm's output (stdout or stderr). */
  line(text: string): void;
  /** Writes a progress line if npm is still working and one is due (call it on a timer). */
  tick(): void;
  /** Ends the log with how long the install took; returns the whole log. */
  finish(outcome: string): string;
  /** npm's own lines so far (and Portico's notes on the `.npmrc`), without the progress lines. */
  output(): string;
}

/**
 * Creates a summariser. `emit` gets each line of the log as it is made (for a live view); `now` is the
 * clock in milliseconds; `redact` takes the secrets out of a line.
 *
 * @example
 * const log = createNpmLog({ now: () => performance.now(), emit: (l) => lines.push(l), redact: (l) => l });
 * log.line('npm http fetch GET 200 https://registry.npmjs.org/cookie 10ms (cache miss)');
 */
export function createNpmLog(options: {
  readonly now: () => number;
  readonly emit: (line: string) => void;
  readonly redact: (text: string) => string;
  /** What the server knows of the install, for its hints (read when one is given). */
  readonly facts?: () => InstallFacts;
}): NpmLog {
  const started = options.now();
  const lines: string[] = [];
  const own: string[] = [];
  // Packages by name: those npm looked up (or fetched straight from a lockfile), and those it fetched.
  const resolved = new Set<string>();
  const fetched = new Set<string>();
  const retried = new Set<string>();
  let lastProgress: number | undefined;
  let done = false;
  const push = (text: string) => {
    const line = options.redact(text);
    lines.push(line);
    options.emit(line);
  };
  const keep = (text: string) => {
    push(text);
    own.push(lines.at(-1) ?? '');
  };
  // The first package makes a line at once; then one at most every interval while npm works.
  const progress = (first: boolean) => {
    const at = options.now();
    if (done) {
      return;
    }
    if (first || (lastProgress !== undefined && at - lastProgress >= PROGRESS_INTERVAL_MS)) {
      lastProgress = at;
      push(`npm install: ${describeCounts(resolved.size, fetched.size)}, ${seconds(at - started)}…`);
    }
  };
  // npm tries a failed request again for a minute or more, saying so only at its http level: the first
  // failure of each kind is shown at once, with what to do about an untrusted certificate.
  const retry = (url: string, code: string) => {
    if (retried.has(code)) {
      return;
    }
    retried.add(code);
    keep(`npm install: retrying ${url}: ${code}`);
    if (UNTRUSTED_CERTIFICATE.test(code)) {
      keep(`npm install: ${certificateHint(code, options.facts?.().cafile)}`);
    }
  };
  return {
    line(text) {
      const trimmed = text.trimEnd();
      const request = readRequestLine(trimmed);
      if (request?.kind === 'retry') {
        retry(request.url, request.code);
      } else if (request?.kind === 'package') {
        // A tarball at a URL that does not name its package counts as fetched only (by its URL).
        if (request.name !== undefined) {
          resolved.add(request.name);
        }
        if (request.tarball) {
          fetched.add(request.name ?? request.url);
        }
        progress(lastProgress === undefined);
      } else if (request === undefined && trimmed !== '' && !SILENT_LINE.test(trimmed)) {
        done ||= DONE_LINE.test(trimmed);
        keep(trimmed);
      }
    },
    tick() {
      progress(false);
    },
    finish(outcome) {
      const counts = describeCounts(resolved.size, fetched.size);
      push(`npm install ${outcome} after ${seconds(options.now() - started)}: ${counts}.`);
      return `${lines.join('\n')}\n`;
    },
    output() {
      return own.join('\n');
    },
  };
}

type RequestLine =
  | { readonly kind: 'package'; readonly url: string; readonly name?: string; readonly tarball: boolean }
  | { readonly kind: 'retry'; readonly url: string; readonly code: string }
  | { readonly kind: 'other' };

/** What an `npm http …` line says, or undefined for any other line. */
function readRequestLine(line: string): RequestLine | undefined {
  const retry = RETRY_LINE.exec(line);
  if (retry !== null) {
    return { kind: 'retry', url: retry[1] ?? '', code: retry[2] ?? '' };
  }
  // A tarball is counted by its URL's package, whether fetched or found in the cache (named there too).
  const url = (CACHE_LINE.exec(line) ?? FETCH_LINE.exec(line))?.[1];
  if (url !== undefined) {
    const name = packageNameOf(url);
    return {
      kind: 'package',
      url,
      ...(name === undefined ? {} : { name }),
      tarball: /\.tgz(?:$|[?#])/.test(url),
    };
  }
  return OTHER_HTTP_LINE.test(line) ? { kind: 'other' } : undefined;
}

/**
 * The package a registry URL is about: `…/<name>` or `…/@scope%2fname` (a registry document), and
 * `…/<name>/-/<file>.tgz` or `…/@scope/name/-/<file>.tgz` (a tarball, as registries lay them out);
 * undefined for a tarball elsewhere.
 */
function packageNameOf(url: string): string | undefined {
  const path = URL.canParse(url) ? new URL(url).pathname : url;
  const segments = path.split('/').map((segment) => safeDecode(segment));
  const dash = segments.lastIndexOf('-');
  if (dash > 0) {
    const before = segments.slice(0, dash);
    const scope = before.at(-2);
    return scope?.startsWith('@') === true ? `${scope}/${before.at(-1)}` : before.at(-1);
  }
  return /\.tgz$/.test(path) ? undefined : segments.at(-1);
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** npm's codes for a registry certificate Node does not trust (a TLS-inspecting proxy, a private CA). */
export const UNTRUSTED_CERTIFICATE =
  /\b(?:SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT|UNABLE_TO_GET_ISSUER_CERT(?:_LOCALLY)?|UNABLE_TO_VERIFY_LEAF_SIGNATURE|CERT_[A-Z_]+)\b/;
/** npm's codes for registry credentials the registry did not take. */
const REFUSED_CREDENTIALS = /\b(?:E401|ENEEDAUTH)\b/;
/**
 * npm's codes for a registry, or a proxy between the server and it, that failed to answer: an HTTP
 * status of 5xx or 429 (`E502`, `E429`), or a connection that was refused, reset or timed out. Nothing
 * in package.json causes these, and they often pass.
 */
export const UNAVAILABLE_REGISTRY =
  /\bnpm (?:error|ERR!) code (E5\d\d|E429|ECONNREFUSED|ECONNRESET|ETIMEDOUT|ESOCKETTIMEDOUT|ENETUNREACH|EHOSTUNREACH)\b/;

/** The folders of the server npm sees in the functions sandbox where a CA file can be. */
export const SANDBOX_CA_FOLDERS = ['/etc/ssl', '/etc/pki', '/etc/ca-certificates', '/usr'] as const;

/** What to do about a registry certificate npm does not trust (`code`), given the operator's cafile. */
export function certificateHint(code: string, cafile: InstallFacts['cafile']): string {
  const what = `The server's npm does not trust the registry's TLS certificate (${code}): a proxy that inspects TLS, or a registry with a private CA.`;
  if (cafile === undefined) {
    return `${what} The operator of portico serve gives npm that CA's certificate with npm_config_cafile=<PEM file> in serve's environment (under ${SANDBOX_CA_FOLDERS.join(', ')}, which npm also sees in the functions sandbox); or with NODE_EXTRA_CA_CERTS=<PEM file>, which npm trusts as the server does. A project may instead set ca= (the PEM text) for its registry in the API's .npmrc.`;
  }
  if (!cafile.visible) {
    return `${what} portico serve's npm_config_cafile=${cafile.path} is outside the folders npm sees in the functions sandbox, so npm cannot read it: the operator moves the file under ${SANDBOX_CA_FOLDERS.join(', ')} (e.g. /usr/local/share/ca-certificates/) and sets npm_config_cafile to its new path.`;
  }
  return `${what} npm was given portico serve's npm_config_cafile=${cafile.path}, and trusts only the CAs in that file: the operator checks that it holds (in PEM) the CA that signs this registry's or the TLS-inspecting proxy's certificate, and the public CAs too if npm also reaches registries without the proxy.`;
}

/**
 * The message of a failed install: what failed, how to get past it without a loop (install.ts's twin is
 * the API size limit in manifest.ts), npm's own last lines, and for a cause the deployer cannot fix in
 * package.json (an untrusted certificate, refused credentials, a host that does not resolve) what to do.
 */
export function describeInstallFailure(why: string, output: string, facts: InstallFacts = {}): string {
  const certificate = UNTRUSTED_CERTIFICATE.exec(output)?.[0];
  const unresolved = facts.unresolved ?? [];
  let fix = 'Fix package.json';
  let hint = '';
  if (unresolved.length > 0) {
    fix = `The server cannot resolve ${unresolved.slice(0, 3).join(', ')}: check the registry URL (the API's .npmrc, package.json or package-lock.json) or the server's DNS`;
  } else if (/transport 'ssh' not allowed/.test(output)) {
    // A git dependency's own dependency over ssh (the API's own are refused before npm runs: install.ts).
    fix =
      'A dependency is fetched over ssh, and ssh dependencies cannot be installed by the server: use an https URL, a github: shorthand, or a tarball in the package.json that names it';
  } else if (UNAVAILABLE_REGISTRY.test(output)) {
    const code = UNAVAILABLE_REGISTRY.exec(output)?.[1] ?? '';
    fix = `The registry, or a proxy between the server and it, did not answer (${code}): nothing in the API causes this and it often passes, so deploy again; if it lasts, the operator of portico serve checks the server's proxy settings (HTTPS_PROXY, npm_config_proxy) and the registry's status`;
  } else if (REFUSED_CREDENTIALS.test(output)) {
    fix =
      "The registry refused npm's credentials (E401): check the registry token in the API's .npmrc (//<registry host>/:_authToken=…) and which registry each scope uses";
  }
  if (certificate !== undefined) {
    hint = `\n${certificateHint(certificate, facts.cafile)}`;
  }
  const last = output === '' ? '(none)' : output.slice(-2000);
  return `Installing the API's dependencies (npm install --omit=dev) ${why}; ${PREVIOUS_KEEPS_SERVING}. ${fix}, or deploy the API with its dependencies installed for production (npm install --omit=dev in the API folder; node_modules not in its .funcignore): the server then installs nothing.${hint}\nLast output of npm:\n${last}`;
}

/** A package fetched was resolved too, whether or not its registry document was asked for. */
function describeCounts(resolved: number, fetched: number): string {
  return `${countOf(Math.max(resolved, fetched), 'package')} resolved, ${fetched} fetched`;
}

function seconds(ms: number): string {
  return `${Math.round(ms / 1000)} s`;
}

/** Shorter values are not replaced wherever they appear (they would blank out common words). */
const MIN_SECRET_CHARS = 6;

/** Settings of an `.npmrc` whose values are credentials. */
const SECRET_SETTING =
  /(?:^|[:_])(?:_?auth|_?authtoken|_?password|token|username|email|certfile|keyfile|cert|key)$/i;

/**
 * A function that takes secrets out of npm's output: the values of credential settings in the API's
 * `.npmrc` and in the `npm_config_*` variables npm is given, user names and passwords in URLs,
 * `_authToken=`/`_auth=`/`_password=` settings, bearer tokens and npm access tokens.
 */
export function createRedactor(
  npmrc: string | undefined,
  env: Readonly<Record<string, string>>,
): (text: string) => string {
  const literals = [...secretValues(npmrc ?? ''), ...envSecrets(env)]
    .filter((value) => value.length >= MIN_SECRET_CHARS)
    .sort((a, b) => b.length - a.length);
  return (text) => {
    let out = text;
    for (const value of literals) {
      out = out.split(value).join('***');
    }
    return out
      .replace(/(\/\/)[^/\s:@]+:[^/\s@]+@/g, '$1***:***@')
      .replace(/(_authToken|_auth|_password|password|token)(\s*[=:]\s*)("?)[^\s"]+/gi, '$1$2$3***')
      .replace(/(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/g, '$1 ***')
      .replace(/\bnpm_[A-Za-z0-9]{20,}\b/g, 'npm_***');
  };
}

/** The values of credential settings of an `.npmrc` text (`key = value` lines, quotes removed). */
function secretValues(npmrc: string): string[] {
  const values: string[] = [];
  for (const raw of npmrc.split(/\r?\n/)) {
    const line = raw.trim();
    const eq = line.indexOf('=');
    if (eq <= 0 || line.startsWith('#') || line.startsWith(';')) {
      continue;
    }
    const key = line.slice(0, eq).trim();
    const value = line
      .slice(eq + 1)
      .trim()
      .replace(/^"(.*)"$/, '$1');
    if (SECRET_SETTING.test(key)) {
      values.push(value);
      if (/_auth$/i.test(key)) {
        // `_auth` is base64 of `user:password`: npm may show either part.
        const decoded = Buffer.from(value, 'base64').toString('utf8');
        values.push(decoded, ...decoded.split(':'));
      }
    }
  }
  return values;
}

function envSecrets(env: Readonly<Record<string, string>>): string[] {
  return Object.entries(env)
    .filter(([name]) => /^npm_config_/i.test(name) && SECRET_SETTING.test(name.slice('npm_config_'.length)))
    .map(([, value]) => value);
}
