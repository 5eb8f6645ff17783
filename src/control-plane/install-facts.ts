/**
 * What the server tells about the deploy-time npm install beyond npm's own output (decision 0101): the
 * operator's settings that will not work as meant (said at start), the install's time limit, the
 * packages whose install scripts were not run, and the causes of a failed install only the operator can
 * fix (for the operator's log).
 */
import { readFile } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { isRecord } from '../shared/guards.js';
import { ALLOWED_HOSTS_ENV } from './install-guard.js';
import { canChainTo, operatorProxyOf } from './install-upstream.js';
import { SANDBOX_CA_FOLDERS, UNAVAILABLE_REGISTRY, UNTRUSTED_CERTIFICATE } from './npm-log.js';

/** The operator's limit of one install, in seconds. */
export const INSTALL_TIMEOUT_ENV = 'PORTICO_NPM_INSTALL_TIMEOUT';
/** Default limit of one install. */
export const INSTALL_TIMEOUT_MS = 5 * 60_000;
/** The longest limit a timer takes (about 24 days). */
const MAX_TIMEOUT_SECONDS = Math.floor(2 ** 31 / 1000) - 1;

/** The limit of one install: {@link INSTALL_TIMEOUT_ENV} seconds when valid, else 5 minutes. */
export function installTimeoutMs(env: NodeJS.ProcessEnv): number {
  const seconds = readTimeout(env[INSTALL_TIMEOUT_ENV]);
  return seconds === undefined ? INSTALL_TIMEOUT_MS : seconds * 1000;
}

function readTimeout(text: string | undefined): number | undefined {
  const seconds = text === undefined || !/^\s*\d+\s*$/.test(text) ? Number.NaN : Number(text);
  return seconds > 0 && seconds <= MAX_TIMEOUT_SECONDS ? seconds : undefined;
}

/** Whether npm sees `path` in the functions sandbox (bubblewrap binds only some system folders). */
export function isVisibleInSandbox(path: string): boolean {
  return SANDBOX_CA_FOLDERS.some((folder) => path === folder || path.startsWith(`${folder}${sep}`));
}

/**
 * Start-up warnings about the operator's install settings that would not do what they look like they do.
 * `sandboxed`: npm runs in bubblewrap, which shows it only some of the server's folders.
 */
export function installStartupNotes(env: NodeJS.ProcessEnv, sandboxed: boolean): string[] {
  const notes: string[] = [];
  const settings = Object.fromEntries(
    Object.entries(env).filter(
      (entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== '',
    ),
  );
  const proxy = operatorProxyOf(settings);
  if (proxy !== undefined && !canChainTo(proxy) && proxy.noProxy.length > 0) {
    notes.push(
      `npm installs of deployed APIs use your SOCKS proxy without the install guard, and without your no-proxy list (${proxy.noProxy.join(', ')}): it would send npm around the proxy to any host a tenant names. Every install goes through the proxy; use an HTTP proxy for the guard to reach those hosts directly (docs/security.md).`,
    );
  }
  const loopbackNames = (proxy?.noProxy ?? []).filter((entry) =>
    /^(?:localhost|\.?localhost|127(?:\.\d+){0,3}|::1|\[::1\])$/i.test(entry),
  );
  if (proxy !== undefined && canChainTo(proxy) && loopbackNames.length > 0) {
    notes.push(
      `Your no-proxy list names ${loopbackNames.join(', ')}: npm installs of deployed APIs reach the hosts it names directly, but never the server's own, loopback, link-local or private addresses, which a tenant's .npmrc could name. A registry of yours there goes in ${ALLOWED_HOSTS_ENV}=host:port (docs/security.md).`,
    );
  }
  const cafile = settings.npm_config_cafile ?? settings.NPM_CONFIG_CAFILE;
  if (cafile !== undefined && sandboxed && !isVisibleInSandbox(cafile)) {
    notes.push(
      `npm_config_cafile=${cafile} is outside the folders npm sees in the functions sandbox (${SANDBOX_CA_FOLDERS.join(', ')}): npm installs of deployed APIs cannot read it and will not trust that CA. Put the file under one of them (e.g. /usr/local/share/ca-certificates/corp-ca.pem) and set npm_config_cafile to that path.`,
    );
  }
  const timeout = env[INSTALL_TIMEOUT_ENV];
  if (timeout !== undefined && readTimeout(timeout) === undefined) {
    notes.push(
      `${INSTALL_TIMEOUT_ENV}=${timeout} is not a whole number of seconds from 1 to ${MAX_TIMEOUT_SECONDS}: npm installs of deployed APIs keep the default limit of ${INSTALL_TIMEOUT_MS / 1000} s.`,
    );
  }
  return notes;
}

/**
 * The deployment log's lines about installed packages that have install scripts (from the lockfile npm
 * writes in node_modules), which the server did not run: a native addon (bcrypt, sharp) is then missing
 * its build, and the API fails when it loads it.
 */
export async function describeSkippedScripts(apiDir: string): Promise<string[]> {
  const text = await readFile(join(apiDir, 'node_modules', '.package-lock.json'), 'utf8').catch(() => '');
  let lock: unknown;
  try {
    lock = JSON.parse(text);
  } catch {
    return [];
  }
  const packages = isRecord(lock) && isRecord(lock.packages) ? lock.packages : {};
  const names = Object.entries(packages)
    .filter(([, entry]) => isRecord(entry) && entry.hasInstallScript === true)
    .map(([path]) => path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length));
  if (names.length === 0) {
    return [];
  }
  const shown = [...new Set(names)].sort();
  const list = `${shown.slice(0, 10).join(', ')}${shown.length > 10 ? ` and ${shown.length - 10} more` : ''}`;
  const runtime = `${process.platform}-${process.arch}, Node.js ${process.versions.node.split('.')[0]}`;
  return [
    `Install scripts not run: ${list}. The server runs no package's install scripts, so these may not work (a native addon is not built, a download not made) and the API can fail when it loads them. Deploy the API with its node_modules installed on a machine like the server (${runtime}: npm install --omit=dev in the API folder), or use a pure-JavaScript alternative (bcryptjs for bcrypt).`,
  ];
}

/** What a failed install said, for {@link describeOperatorCause}. */
export interface FailedInstall {
  readonly timedOut: boolean;
  readonly timeoutMs: number;
  /** What the install guard refused. */
  readonly refused: readonly string[];
  /** npm's own lines. */
  readonly output: string;
}

/**
 * The cause of a failed install that only the server's operator can fix (the server's trust, proxy,
 * guard or time limit), or undefined when the deployer's files are the likely cause.
 */
export function describeOperatorCause(failure: FailedInstall): string | undefined {
  if (failure.timedOut) {
    return `npm did not finish within ${Math.round(failure.timeoutMs / 1000)} s (a slow registry or proxy, or a limit too short: ${INSTALL_TIMEOUT_ENV}, in seconds)`;
  }
  const certificate = UNTRUSTED_CERTIFICATE.exec(failure.output)?.[0];
  if (certificate !== undefined) {
    return `npm does not trust the registry's TLS certificate (${certificate}); give npm the CA with npm_config_cafile (docs/operations.md)`;
  }
  if (/\b(?:E407|407 Proxy Authentication Required)\b/i.test(failure.output)) {
    return 'your proxy refused npm (407 Proxy Authentication Required): check the user and password in HTTPS_PROXY/HTTP_PROXY';
  }
  const unavailable = UNAVAILABLE_REGISTRY.exec(failure.output)?.[1];
  if (unavailable !== undefined) {
    return `the registry or a proxy between the server and it did not answer (${unavailable}); if it lasts, check HTTPS_PROXY/HTTP_PROXY and the registry`;
  }
  if (failure.refused.length > 0) {
    return `the install guard refused ${failure.refused.slice(0, 3).join('; ')} (a registry of yours there goes in ${ALLOWED_HOSTS_ENV}; otherwise the deployment asked for it)`;
  }
  return undefined;
}
