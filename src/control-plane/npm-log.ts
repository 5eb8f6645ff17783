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

/** `npm http fetch GET 200 <url> 12ms (cache miss)` or `npm http cache <name>@<url> 0ms (cache hit)`. */
const HTTP_LINE = /^npm http (?:fetch \S+ \S+ |cache )?(\S+)/;

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
}): NpmLog {
  const started = options.now();
  const lines: string[] = [];
  const own: string[] = [];
  const resolved = new Set<string>();
  const fetched = new Set<string>();
  let lastProgress: number | undefined;
  const push = (text: string) => {
    const line = options.redact(text);
    lines.push(line);
    options.emit(line);
  };
  // The first package makes a line at once; then one at most every interval while npm works.
  const progress = (first: boolean) => {
    const at = options.now();
    if (first || (lastProgress !== undefined && at - lastProgress >= PROGRESS_INTERVAL_MS)) {
      lastProgress = at;
      push(`npm install: ${describeCounts(resolved.size, fetched.size)}, ${seconds(at - started)}…`);
    }
  };
  return {
    line(text) {
      const trimmed = text.trimEnd();
      const http = HTTP_LINE.exec(trimmed);
      if (http === null) {
        if (trimmed !== '') {
          push(trimmed);
          own.push(lines.at(-1) ?? '');
        }
        return;
      }
      // A cached tarball is named `<package>@<url>`; the same tarball fetched is named by its URL.
      const url = (http[1] ?? '').replace(/^.*?@(?=[a-z][a-z0-9+.-]*:\/\/)/i, '');
      (url.endsWith('.tgz') ? fetched : resolved).add(url);
      progress(lastProgress === undefined);
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

/** npm's codes for a registry certificate Node does not trust (a TLS-inspecting proxy, a private CA). */
const UNTRUSTED_CERTIFICATE =
  /\b(?:SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT|UNABLE_TO_GET_ISSUER_CERT(?:_LOCALLY)?|UNABLE_TO_VERIFY_LEAF_SIGNATURE|CERT_[A-Z_]+)\b/;

/**
 * The message of a failed install: what failed, how to get past it without a loop (install.ts's twin is
 * the API size limit in manifest.ts), npm's own last lines, and for an untrusted registry certificate
 * what the server's operator sets.
 */
export function describeInstallFailure(why: string, output: string): string {
  const certificate = UNTRUSTED_CERTIFICATE.exec(output)?.[0];
  const hint =
    certificate === undefined
      ? ''
      : `\nThe server's npm does not trust the registry's TLS certificate (${certificate}): a proxy that inspects TLS, or a registry with a private CA. The operator of portico serve gives npm that CA's certificate with npm_config_cafile=<PEM file> in serve's environment (under /etc/ssl, /etc/pki or /etc/ca-certificates, which npm also sees in the functions sandbox); NODE_EXTRA_CA_CERTS does not reach the server's npm. A project may instead set ca= (the PEM text) for its registry in the API's .npmrc.`;
  const last = output === '' ? '(none)' : output.slice(-2000);
  return `Installing the API's dependencies (npm install --omit=dev) ${why}; ${PREVIOUS_KEEPS_SERVING}. Fix package.json, or deploy the API with its dependencies installed for production (npm install --omit=dev in the API folder; node_modules not in its .funcignore): the server then installs nothing.${hint}\nLast output of npm:\n${last}`;
}

function describeCounts(resolved: number, fetched: number): string {
  return `${countOf(resolved, 'package')} resolved, ${fetched} fetched`;
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
