/**
 * Installs a deployed API's dependencies when the deploy did not include them (`npm install --omit=dev`,
 * with a time limit), as Azure's build does; its output, summarised and without credentials
 * (`npm-log.ts`), is kept with the deployment and shown while it runs.
 *
 * The API folder is a tenant's: npm runs with `--ignore-scripts`, with none of the server's environment
 * (a project `.npmrc` expands `${VARS}`, so it could send the admin token to a registry of its choosing),
 * with only the registry settings of the project's `.npmrc` (`project-npmrc.ts`: its other keys could make
 * npm read the server's files or install outside the project), its own config files and a local install,
 * and dependencies that point at the server's own folders (`file:`, `link:`, what npm's own parser reads
 * as a path, workspaces, lockfile entries resolved to a path) are refused: npm would copy or link those
 * folders into the deployment.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  mkdtemp,
  readdir,
  readFile,
  readlink,
  realpath,
  rm,
  stat,
  utimes,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, delimiter, dirname, join, relative, resolve, sep } from 'node:path';
import { createInterface } from 'node:readline';
import { rootCertificates } from 'node:tls';
import npa from 'npm-package-arg';
import type { ConfineProgram, ProgramRun } from '../shared/confine.js';
import { PorticoError } from '../shared/errors.js';
import { isRecord } from '../shared/guards.js';
import { parseJsonText } from '../shared/json-text.js';
import { makePrivateDir, tightenTree } from '../shared/private-fs.js';
import { PREVIOUS_KEEPS_SERVING } from './deploy-failure.js';
import {
  describeOperatorCause,
  describeSkippedScripts,
  installTimeoutMs,
  isVisibleInSandbox,
} from './install-facts.js';
import { ALLOWED_HOSTS_ENV, type InstallGuard, operatorHosts, startInstallGuard } from './install-guard.js';
import { canChainTo, operatorProxyOf } from './install-upstream.js';
import {
  createNpmLog,
  createRedactor,
  describeInstallFailure,
  type InstallFacts,
  type NpmLog,
  PROGRESS_INTERVAL_MS,
} from './npm-log.js';
import { droppedKeysLines, filterProjectNpmrc } from './project-npmrc.js';

const MAX_LOG_CHARS = 64 * 1024;
/**
 * The NODE_OPTIONS of the programs npm starts: a harmless one, since npm's environment must name one for
 * a `.npmrc` not to (an empty value counts as unset).
 */
const NODE_OPTIONS = '--no-deprecation';
/** npm's global config file in npm's home: empty (a system-wide npmrc is not the project's business). */
const GLOBAL_CONFIG = 'global-npmrc';
/** npm's `cafile` in its home when the operator added CAs with NODE_EXTRA_CA_CERTS. */
const TRUSTED_CAS_FILE = 'trusted-cas.pem';

/** Files npm reads to decide what it installs, in the API folder; all of them key a remembered install. */
const DECIDING_FILES = ['package.json', 'package-lock.json', 'npm-shrinkwrap.json', '.npmrc'] as const;

/** package.json fields whose values are dependency specifiers. */
const SPEC_FIELDS = [
  'dependencies',
  'optionalDependencies',
  'peerDependencies',
  'devDependencies',
  'overrides',
];

/** A specifier npm resolves on the server's own disk instead of a registry or a remote repository. */
const LOCAL_SPEC = /^(?:file:|link:|portal:|git\+file:|\.\.?(?:[/\\]|$)|[/\\]|~[/\\]|[A-Za-z]:[/\\])/i;
/** npm-package-arg's kinds of specifier that name a folder or a tarball on disk. */
const LOCAL_TYPES = new Set(['file', 'directory']);

/**
 * `--loglevel=http` makes npm say which package documents and tarballs it fetches, which the log turns
 * into progress lines.
 */
const NPM_ARGS = [
  'install',
  '--omit=dev',
  '--no-audit',
  '--no-fund',
  '--ignore-scripts',
  '--install-links=false',
  '--workspaces=false',
  '--prefer-offline',
  '--loglevel=http',
];

/**
 * Variables of the server's environment npm may see: the path, locale and temp folder. Not `HOME`: npm
 * would read the operator's `~/.npmrc` (registry tokens a tenant's `.npmrc` could point a registry at),
 * and share its cache and debug logs with every site.
 */
const NPM_ENV = /^(?:PATH|LANG|LC_ALL|TZ|TMPDIR)$/;
/**
 * The operator's npm and proxy settings. They reach npm in its user config file, never in its
 * environment: a tenant's `.npmrc` can name any variable of npm's environment (`${VAR}`) in a value npm
 * sends to the registry it names, so a token or proxy password there would go to the tenant's server.
 */
const NPM_SETTING = /^(?:npm_config_.+|https?_proxy|no_proxy)$/i;

/** An install the API needs: `key` names what decides its result (for {@link installDependencies} to be skipped). */
export interface InstallPlan {
  readonly key: string;
}

/** What an install did. */
export interface InstallResult {
  readonly log: string;
}

/**
 * What `apiDir` needs installed: `undefined` when package.json lists no dependencies or node_modules is
 * there already. Refuses dependencies that resolve on the server's disk (user error, naming each).
 */
export async function planInstall(apiDir: string): Promise<InstallPlan | undefined> {
  const texts = await Promise.all(
    DECIDING_FILES.map((name) => readFile(join(apiDir, name), 'utf8').catch(() => undefined)),
  );
  const [packageText, ...lockTexts] = texts;
  if (packageText === undefined) {
    return undefined;
  }
  const pkg = parsePackageFile(packageText, 'package.json');
  const dependencies = isRecord(pkg) ? pkg.dependencies : undefined;
  if (!isRecord(dependencies) || Object.keys(dependencies).length === 0) {
    return undefined;
  }
  if (await isDirectory(join(apiDir, 'node_modules'))) {
    return undefined;
  }
  const problems = [
    ...localSpecifiers(pkg),
    ...lockTexts
      .slice(0, 2)
      .flatMap((text, i) => (text === undefined ? [] : localLockEntries(text, DECIDING_FILES[i + 1] ?? ''))),
  ];
  refuseSshSpecifiers(pkg, lockTexts.slice(0, 2));
  if (problems.length > 0) {
    throw new PorticoError(
      'DEPLOY_API_INVALID',
      `The API's dependencies must come from a registry or a remote repository; these point at the server's disk, which a deployed API cannot reach:\n${problems.map((p) => `  - ${p}`).join('\n')}\nPublish those packages (or use a git URL), or deploy the API with its node_modules folder.`,
      { details: problems.map((message) => ({ path: `api/${message.split(' ')[0]}`, message })) },
    );
  }
  const runtime = `${process.version} ${process.platform} ${process.arch}`;
  return {
    key: createHash('sha256')
      .update(JSON.stringify([runtime, ...texts]))
      .digest('hex'),
  };
}

/** How an install runs. */
export interface InstallOptions {
  /** Default: `PORTICO_NPM_INSTALL_TIMEOUT` seconds, else 5 minutes (`install-facts.ts`). */
  readonly timeoutMs?: number;
  /**
   * npm's home folder (its cache inside), made private if missing: one per `.npmrc`, so what one site's
   * credentials fetched is never in the cache of a site without them. Default: a folder of the system's
   * temp folder, removed after.
   */
  readonly homeDir?: string;
  /** Gets each line of the install's log as it is made (progress, npm's own lines), secrets removed. */
  readonly onLine?: (line: string) => void;
  /**
   * The service's sandbox: npm runs in it, seeing the API folder and its home (writable), its own files
   * and the system folders, and nothing else of the server's. Default: npm runs as the server.
   */
  readonly confine?: ConfineProgram;
  /**
   * Gets the cause of a failed install that only the server's operator can fix (an untrusted certificate,
   * a refused proxy or guard, the time limit), for the operator's log.
   */
  readonly onOperatorProblem?: (cause: string) => void;
}

/**
 * Runs `npm install --omit=dev` in `apiDir` (see {@link planInstall} for when it is needed). Its log is
 * npm's output summarised, without secrets (`npm-log.ts`).
 */
export async function installDependencies(
  apiDir: string,
  options: InstallOptions = {},
): Promise<InstallResult> {
  const timeoutMs = options.timeoutMs ?? installTimeoutMs(process.env);
  const home = options.homeDir ?? (await mkdtemp(join(tmpdir(), 'portico-npm-')));
  await makePrivateDir(home);
  // Its time says when an install last used it: homes no deployment needs are pruned (npm-homes.ts).
  const now = new Date();
  await utimes(home, now, now);
  const operator = operatorNpmSettings();
  // npm goes through the guard (install-guard.ts), which sends on to the operator's proxy what npm would
  // have sent there and checks what it would have reached directly (decision 0101). A SOCKS proxy cannot
  // be chained: npm uses it alone, without the no-proxy list, which would send it around it unchecked.
  const upstream = operatorProxyOf(operator);
  const chained = upstream === undefined || canChainTo(upstream);
  const guard = chained ? await startInstallGuard(operatorHosts(operator), upstream) : undefined;
  const settings = guard === undefined ? withoutNoProxy(operator) : withoutProxySettings(operator);
  const env = { ...npmEnvironment(home), ...(guard === undefined ? {} : proxyEnvironment(guard.url)) };
  const extraCa = operator.npm_config_cafile === undefined ? await writeTrustedCas(home) : undefined;
  const userConfig = extraCa === undefined ? settings : { ...settings, npm_config_cafile: extraCa };
  await writeFile(join(home, '.npmrc'), userConfigOf(userConfig), { mode: 0o600 });
  await writeFile(join(home, GLOBAL_CONFIG), '', { mode: 0o600 });
  const projectFile = join(apiDir, '.npmrc');
  const npmrc = await readFile(projectFile, 'utf8').catch(() => undefined);
  // Whether npm runs in the sandbox is known once it starts; the operator's CA file is judged by it.
  let confined = false;
  const facts = (): InstallFacts => ({
    unresolved: guard?.unresolved ?? [],
    ...(operator.npm_config_cafile === undefined
      ? {}
      : {
          cafile: {
            path: operator.npm_config_cafile,
            visible: !confined || isVisibleInSandbox(operator.npm_config_cafile),
          },
        }),
  });
  const npmLog = createNpmLog({
    now: () => performance.now(),
    emit: options.onLine ?? (() => undefined),
    redact: createRedactor(npmrc, { ...env, ...settings }),
    facts,
  });
  // npm reads the project's .npmrc from the folder it installs in: for the install it holds only the
  // keys a project may set, and the tenant's file is put back after.
  const filtered = npmrc === undefined ? undefined : filterProjectNpmrc(npmrc);
  if (filtered !== undefined) {
    await writeFile(projectFile, filtered.text);
    for (const line of droppedKeysLines(filtered)) {
      npmLog.line(line);
    }
  }
  const run = { cwd: apiDir, env, writable: [apiDir, home] };
  const onSpawn = (isConfined: boolean) => {
    confined = isConfined;
  };
  const { code, timedOut } = await runNpm(run, timeoutMs, npmLog, options.confine, onSpawn).finally(
    async () => {
      if (npmrc !== undefined) {
        await writeFile(projectFile, npmrc);
      }
      if (options.homeDir === undefined) {
        await rm(home, { recursive: true, force: true });
      }
      await guard?.close();
    },
  );
  for (const line of refusedLines(guard)) {
    npmLog.line(line);
  }
  // npm writes with the process umask (0644 files): the installed files, and its cache, become private
  // like the rest of the data folder.
  await tightenTree(apiDir);
  if (options.homeDir !== undefined) {
    await tightenTree(home);
  }
  const failed = timedOut || code !== 0;
  const why = timedOut
    ? `did not finish within ${Math.round(timeoutMs / 1000)} s`
    : `failed (exit code ${code})`;
  if (!failed) {
    for (const line of await describeSkippedScripts(apiDir)) {
      npmLog.line(line);
    }
  }
  const log = clipLog(npmLog.finish(failed ? why : 'finished'));
  const operatorCause = failed
    ? describeOperatorCause({ timedOut, timeoutMs, refused: guard?.refused ?? [], output: npmLog.output() })
    : undefined;
  if (operatorCause !== undefined) {
    options.onOperatorProblem?.(operatorCause);
  }
  if (failed && guard !== undefined && guard.refused.length > 0) {
    throw new PorticoError(
      'DEPLOY_API_INVALID',
      `Installing the API's dependencies failed: npm was sent to ${guard.refused.slice(0, 3).join('; ')}. A deployed API's .npmrc registries, package.json dependencies and package-lock.json \`resolved\` URLs (and what those registries answer) may lead to public addresses only: not to the server's own, loopback, link-local or private addresses; ${PREVIOUS_KEEPS_SERVING}. Use a registry or git host others can reach, or deploy the API with its node_modules folder; a registry on the operator's private network is reached once the server's operator names it in ${ALLOWED_HOSTS_ENV}=host:port. Last output of npm:\n${npmLog.output().slice(-1500)}`,
    );
  }
  if (failed) {
    throw new PorticoError('DEPLOY_API_INVALID', describeInstallFailure(why, npmLog.output(), facts()));
  }
  await refuseLinksLeaving(apiDir);
  return { log };
}

/**
 * The last guard of {@link planInstall}'s check: a link npm left in node_modules that leads out of the API
 * folder would let the API read the server's files through it (Node's permission model follows links).
 */
async function refuseLinksLeaving(apiDir: string): Promise<void> {
  const modules = join(apiDir, 'node_modules');
  const entries = await readdir(modules, { recursive: true, withFileTypes: true }).catch(() => []);
  const leaving: string[] = [];
  for (const entry of entries) {
    if (entry.isSymbolicLink()) {
      const link = join(entry.parentPath, entry.name);
      const target = resolve(dirname(link), await readlink(link));
      if (target !== apiDir && !target.startsWith(`${apiDir}${sep}`)) {
        leaving.push(relative(apiDir, link));
      }
    }
  }
  if (leaving.length > 0) {
    throw new PorticoError(
      'DEPLOY_API_INVALID',
      `The API's dependencies point at folders outside the API (${leaving.slice(0, 5).join(', ')}); ${PREVIOUS_KEEPS_SERVING}. List them as registry or git dependencies, or deploy the API with its node_modules folder.`,
    );
  }
}

/**
 * Refuses git dependencies fetched over ssh (package.json, or a lockfile's `resolved`): the server has no
 * SSH keys for a tenant's repositories, and git is not let to use ssh (`GIT_TRANSPORTS`). A hosted
 * repository's ssh URL (`git+ssh://git@github.com/…`, as npm writes a `github:` dependency in a lockfile)
 * is fetched over https, and passes. So do development dependencies npm leaves alone under `--omit=dev`
 * (decision 0104): lockfile entries marked `"dev": true`, and a devDependency its lockfile holds as one.
 */
function refuseSshSpecifiers(pkg: unknown, lockTexts: readonly (string | undefined)[]): void {
  const locks = lockTexts.map(lockedPackagesOf);
  // npm reads npm-shrinkwrap.json when there is one, and then ignores package-lock.json.
  const npmLock = lockTexts[1] === undefined ? locks[0] : locks[1];
  const found: string[] = [];
  const visit = (value: unknown, where: string): void => {
    if (typeof value === 'string') {
      if (isSshSpec(value)) {
        found.push(`${where}: "${value.slice(0, 200)}"`);
      }
    } else if (isRecord(value)) {
      for (const [key, child] of Object.entries(value)) {
        visit(child, where === '' ? key : `${where}.${key}`);
      }
    }
  };
  if (isRecord(pkg)) {
    for (const field of SPEC_FIELDS) {
      const value = field === 'devDependencies' ? withoutLockedDev(pkg[field], npmLock) : pkg[field];
      visit(value, `package.json ${field}`);
    }
  }
  locks.forEach((packages, i) => {
    for (const [key, entry] of Object.entries(packages ?? {})) {
      // npm computes which packages are dev-only from the tree; one it finds it needs after all is
      // fetched, and git refuses ssh for it (GIT_TRANSPORTS), which the failed install says.
      const resolved = isRecord(entry) && entry.dev !== true ? entry.resolved : undefined;
      if (typeof resolved === 'string' && isSshSpec(resolved)) {
        found.push(`${DECIDING_FILES[i + 1]} ${key}: resolved "${resolved.slice(0, 200)}"`);
      }
    }
  });
  if (found.length > 0) {
    throw new PorticoError(
      'DEPLOY_API_INVALID',
      `ssh dependencies cannot be installed by the server: use an https URL, a github: shorthand, or a tarball.\n${found.map((line) => `  - ${line}`).join('\n')}`,
      { details: found.map((message) => ({ path: `api/${message.split(' ')[0]}`, message })) },
    );
  }
}

/** A lockfile's `packages` (lockfile versions 2 and 3), when it has them. */
function lockedPackagesOf(text: string | undefined): Record<string, unknown> | undefined {
  const lock = text === undefined ? undefined : parseJsonText(text);
  return lock?.ok === true && isRecord(lock.value) && isRecord(lock.value.packages)
    ? lock.value.packages
    : undefined;
}

/**
 * package.json's devDependencies without those `npm install --omit=dev` neither fetches nor resolves: the
 * ones the lockfile npm reads (`packages`) has as dev-only, from the same repository. npm resolves a dev
 * git dependency the lockfile lacks or has from another repository, over ssh for an ssh one, though it
 * does not install it. (One whose lockfile commit or version no longer matches its `#ref` or
 * `#semver:` range is resolved too: git refuses the ssh, and the failed install says so.)
 */
function withoutLockedDev(value: unknown, packages: Record<string, unknown> | undefined): unknown {
  if (!isRecord(value) || packages === undefined) {
    return value;
  }
  return Object.fromEntries(
    Object.entries(value).filter(([name, spec]) => !isLockedDevOnly(packages[`node_modules/${name}`], spec)),
  );
}

/** Whether a lockfile's `entry` is dev-only and resolved from the repository of git specifier `spec`. */
function isLockedDevOnly(entry: unknown, spec: unknown): boolean {
  if (
    !isRecord(entry) ||
    entry.dev !== true ||
    typeof entry.resolved !== 'string' ||
    typeof spec !== 'string'
  ) {
    return false;
  }
  const repository = gitRepositoryOf(spec);
  return repository !== undefined && repository === gitRepositoryOf(entry.resolved);
}

/** The repository a git specifier fetches from (without its `#ref`), or `undefined` for any other. */
function gitRepositoryOf(spec: string): string | undefined {
  try {
    const result = npa.resolve('x', spec.trim(), '/');
    return result.type === 'git' ? (result.fetchSpec ?? undefined) : undefined;
  } catch {
    return undefined;
  }
}

/** A git URL over ssh (`git+ssh://`, `ssh://`) of a repository npm does not know to fetch over https. */
function isSshSpec(spec: string): boolean {
  if (!/^\s*(?:git\+)?ssh:/i.test(spec)) {
    return false;
  }
  try {
    const result = npa.resolve('x', spec.trim(), '/');
    return result.type !== 'git' || result.hosted == null;
  } catch {
    return true;
  }
}

/** Keeps the end of a very long log. */
function clipLog(log: string): string {
  return log.length <= MAX_LOG_CHARS ? log : `…${log.slice(-MAX_LOG_CHARS)}`;
}

function parsePackageFile(text: string, name: string): unknown {
  const parsed = parseJsonText(text);
  if (!parsed.ok) {
    throw new PorticoError('DEPLOY_API_INVALID', `The API's ${name} is not valid JSON: ${parsed.reason}.`);
  }
  return parsed.value;
}

/** `package.json` entries that resolve on disk, as `field.name: "spec"` lines. */
function localSpecifiers(pkg: unknown): string[] {
  if (!isRecord(pkg)) {
    return [];
  }
  const found = SPEC_FIELDS.flatMap((field) => collectLocal(pkg[field], `package.json ${field}`));
  if (pkg.workspaces !== undefined) {
    found.push(
      'package.json workspaces: npm workspaces link folders of the server; list the packages as dependencies instead',
    );
  }
  return found;
}

function collectLocal(value: unknown, where: string): string[] {
  if (typeof value === 'string') {
    const problem = specProblem(value, where.includes(' overrides'));
    return problem === undefined ? [] : [`${where}: "${value.slice(0, 200)}"${problem}`];
  }
  if (!isRecord(value)) {
    return [];
  }
  return Object.entries(value).flatMap(([name, spec]) => collectLocal(spec, `${where}.${name}`));
}

/** Lockfile entries that are links or resolve to a path (npm follows the lockfile over package.json). */
function localLockEntries(text: string, name: string): string[] {
  const lock = parsePackageFile(text, name);
  const found: string[] = [];
  const visit = (value: unknown, where: string): void => {
    if (!isRecord(value)) {
      return;
    }
    if (value.link === true) {
      found.push(`${name} ${where}: a link to a folder`);
    }
    for (const field of ['resolved', 'version'] as const) {
      const spec = value[field];
      if (typeof spec === 'string' && isLocalSpec(spec)) {
        found.push(`${name} ${where}: ${field} "${spec.slice(0, 200)}"`);
      }
    }
    for (const child of ['packages', 'dependencies'] as const) {
      if (isRecord(value[child])) {
        for (const [key, entry] of Object.entries(value[child])) {
          visit(entry, key === '' ? '(root)' : key);
        }
      }
    }
  };
  visit(lock, '(root)');
  return found;
}

/**
 * Why npm would not fetch `spec` from a registry or a remote repository: `''` when it reads it from the
 * server's disk, a reason when npm cannot read it at all, undefined when it is fetched. npm's own parser
 * decides, so every spelling it takes for a path counts (`a/../../etc` is a folder, `x.tgz` a tarball);
 * the prefixes it does not know (`link:`, `portal:`) count too. In `overrides`, `$name` refers to a
 * dependency's own specifier.
 */
function specProblem(spec: string, inOverrides: boolean): string | undefined {
  if (inOverrides && spec.startsWith('$')) {
    return undefined;
  }
  if (LOCAL_SPEC.test(spec.trim())) {
    return '';
  }
  try {
    return isLocalResult(npa.resolve('x', spec, '/')) ? '' : undefined;
  } catch (error) {
    return ` (npm cannot read it: ${(error as Error).message.slice(0, 200)})`;
  }
}

/** A lockfile's `resolved` or `version`: local by prefix or by npm's parser (one it cannot read is npm's to refuse). */
function isLocalSpec(spec: string): boolean {
  return specProblem(spec, false) === '';
}

/** A folder, a tarball on disk, a git repository on disk, or an alias of one. */
function isLocalResult(result: npa.Result): boolean {
  if (LOCAL_TYPES.has(result.type)) {
    return true;
  }
  if (result.type === 'git' && /^file:/i.test(result.fetchSpec ?? '')) {
    return true;
  }
  // The types of npm-package-arg 6 predate aliases: `subSpec` is the aliased package's specifier.
  const aliased = (result as { subSpec?: npa.Result }).subSpec;
  return result.type === 'alias' && aliased !== undefined && isLocalResult(aliased);
}

async function isDirectory(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isDirectory(),
    () => false,
  );
}

/**
 * The install's environment: none of the server's secrets, only what npm needs to reach a registry, and
 * a private home: its cache there, and no debug log files (npm names their path, under the server's data
 * folder, in a failed install's output).
 */
/** The operator's npm and proxy settings from the server's environment, by variable name. */
function operatorNpmSettings(): Record<string, string> {
  const settings: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined && value !== '' && NPM_SETTING.test(name)) {
      settings[name] = value;
    }
  }
  return settings;
}

/**
 * npm's user config (`$HOME/.npmrc`) holding `settings`, each under the key npm reads its variable as:
 * `npm_config_fetch_retries` is `fetch-retries`, `npm_config_//host/:_authToken` keeps its name, and the
 * proxy variables are `proxy`, `https-proxy` and `noproxy`. A value with a line break is left out.
 */
export function userConfigOf(settings: Readonly<Record<string, string>>): string {
  const lines: string[] = [];
  for (const [name, value] of Object.entries(settings)) {
    if (/[\r\n]/.test(value)) {
      continue;
    }
    lines.push(`${configKeyOf(name)}=${value}`);
  }
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

function configKeyOf(name: string): string {
  const lower = name.toLowerCase();
  if (lower === 'http_proxy') {
    return 'proxy';
  }
  if (lower === 'https_proxy') {
    return 'https-proxy';
  }
  if (lower === 'no_proxy') {
    return 'noproxy';
  }
  const key = name.slice('npm_config_'.length);
  return key.startsWith('//') ? key : key.replace(/(?!^)_/g, '-').toLowerCase();
}

/** The operator's settings without a `no_proxy` list, which would send npm around their SOCKS proxy. */
function withoutNoProxy(settings: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(settings).filter(([name]) => !/^(?:no_proxy|npm_config_noproxy)$/i.test(name)),
  );
}

/** The operator's settings without their proxy and no-proxy list: the guard applies them (install-upstream.ts). */
function withoutProxySettings(settings: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(settings).filter(
      ([name]) => !/^(?:no_proxy|https?_proxy|npm_config_(?:noproxy|https_proxy|proxy))$/i.test(name),
    ),
  );
}

/**
 * A `noproxy` list that names no host: a URL's host name cannot hold `<` or `>`, for npm nor for git's
 * curl. npm skips an empty environment variable (then a `.npmrc`'s `noproxy` applies), so it is not empty.
 */
const NO_HOST = '<none>';

/**
 * npm's proxy, and git's for a git dependency over HTTP(S). npm's environment outranks every `.npmrc`,
 * the unfiltered one of a git dependency's clone too (npm prepares it with a second npm there): so the
 * proxy, and a `noproxy` list that exempts no host, are set here rather than left to a file a tenant
 * writes (decision 0082).
 */
function proxyEnvironment(url: string): Record<string, string> {
  return {
    npm_config_proxy: url,
    npm_config_https_proxy: url,
    npm_config_noproxy: NO_HOST,
    http_proxy: url,
    https_proxy: url,
    HTTPS_PROXY: url,
    no_proxy: NO_HOST,
    NO_PROXY: NO_HOST,
  };
}

/**
 * The CAs the server trusts, Node's own and those the operator added with NODE_EXTRA_CA_CERTS (a
 * TLS-inspecting proxy's, a private registry's), as a file in npm's home for its `cafile`: npm then trusts
 * what the server does, wherever the operator's file is (the functions sandbox shows npm its home, not
 * /opt or /tmp), and Node in the sandbox may not read NODE_EXTRA_CA_CERTS itself. Undefined when the
 * operator added none or the file cannot be read (Node warned of that at the server's start).
 */
async function writeTrustedCas(home: string): Promise<string | undefined> {
  const source = process.env.NODE_EXTRA_CA_CERTS;
  if (source === undefined || source === '') {
    return undefined;
  }
  const pem = await readFile(source, 'utf8').catch(() => undefined);
  if (pem === undefined || !pem.includes('-----BEGIN CERTIFICATE-----')) {
    return undefined;
  }
  const file = join(home, TRUSTED_CAS_FILE);
  // Certificates are public; npm may run as another user in the sandbox.
  await writeFile(file, `${[...rootCertificates, pem.trim()].join('\n')}\n`, { mode: 0o644 });
  return file;
}

/** The deployment log's lines about what the guard refused. */
function refusedLines(guard: InstallGuard | undefined): string[] {
  return (guard?.refused ?? []).map((what) => `refused: npm was sent to ${what}`);
}

function npmEnvironment(home: string): Record<string, string> {
  const env: Record<string, string> = { npm_config_update_notifier: 'false' };
  for (const [name, value] of Object.entries(process.env)) {
    if (value !== undefined && NPM_ENV.test(name)) {
      env[name] = value;
    }
  }
  // npm's environment outranks a project's .npmrc: where npm reads its own config, installs and caches
  // stays the server's choice whatever the project file says (it is filtered too: project-npmrc.ts). The
  // environment also reaches the npm that npm itself starts in a git dependency's clone to prepare it,
  // which reads that repository's own .npmrc unfiltered and gets none of NPM_ARGS: so no scripts and
  // the system's git are settings here, not only flags.
  return {
    ...env,
    HOME: home,
    npm_config_cache: join(home, 'cache'),
    npm_config_logs_max: '0',
    npm_config_userconfig: join(home, '.npmrc'),
    npm_config_globalconfig: join(home, GLOBAL_CONFIG),
    npm_config_global: 'false',
    npm_config_location: 'project',
    npm_config_ignore_scripts: 'true',
    npm_config_git: 'git',
    npm_config_install_links: 'false',
    // npm passes its `node-options` to the programs it starts as NODE_OPTIONS: from a git dependency's
    // .npmrc, `--require ./x.js` would run that file in the npm preparing the next git dependency (its
    // clone is the folder npm starts in). Set here, a .npmrc cannot change it (decision 0082).
    npm_config_node_options: NODE_OPTIONS,
    ...GIT_TRANSPORTS,
  };
}

/**
 * git:// and ssh take no proxy, so they would reach any host and port from the server's network (git's
 * and ssh's errors show what answered): git refuses them outright ("transport 'ssh' not allowed"). The
 * server has no SSH keys for a tenant's repositories anyway; a hosted repository's ssh URL (GitHub,
 * GitLab, Bitbucket) is fetched over https first (decision 0104). Set in the environment, so it holds for
 * the npm preparing a git dependency too, and without the guard (a SOCKS proxy).
 */
const GIT_TRANSPORTS: Readonly<Record<string, string>> = {
  GIT_CONFIG_COUNT: '2',
  GIT_CONFIG_KEY_0: 'protocol.git.allow',
  GIT_CONFIG_VALUE_0: 'never',
  GIT_CONFIG_KEY_1: 'protocol.ssh.allow',
  GIT_CONFIG_VALUE_1: 'never',
};

/**
 * Spawns npm for `run`: confined, npm's own script run by this Node (its folder visible read-only);
 * otherwise `npm` on the PATH.
 */
async function spawnNpm(
  run: Pick<ProgramRun, 'cwd' | 'env' | 'writable'>,
  confine: ConfineProgram | undefined,
): Promise<SpawnedNpm> {
  if (confine === undefined) {
    const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
    const child = spawn(npm, NPM_ARGS, { cwd: run.cwd, stdio: ['ignore', 'pipe', 'pipe'], env: run.env });
    return { child, cleanup: async () => {}, confined: false };
  }
  const npmCli = await findNpmCli(run.env.PATH);
  const program = await confine({
    ...run,
    command: process.execPath,
    args: [npmCli, ...NPM_ARGS],
    readOnly: [dirname(dirname(npmCli))],
  });
  const child = spawn(program.command, program.args, {
    cwd: program.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: program.env,
  });
  return { child, cleanup: program.cleanup, confined: program.confined };
}

interface SpawnedNpm {
  readonly child: ChildProcess;
  readonly cleanup: () => Promise<void>;
  /** Whether npm runs in the sandbox (bubblewrap), seeing only some of the server's folders. */
  readonly confined: boolean;
}

/**
 * npm's own script (`…/npm/bin/npm-cli.js`): where `npm` on `path` leads, else the one installed with
 * this Node. An error naming both places when neither has it.
 */
async function findNpmCli(path: string | undefined): Promise<string> {
  const candidates: string[] = [];
  for (const dir of (path ?? '').split(delimiter).filter(Boolean)) {
    const target = await realpath(join(dir, 'npm')).catch(() => undefined);
    if (target !== undefined) {
      candidates.push(target);
      break;
    }
  }
  const besideNode = join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'bin', 'npm-cli.js');
  candidates.push(besideNode);
  for (const candidate of candidates) {
    if (basename(candidate) === 'npm-cli.js' && (await isFile(candidate))) {
      return candidate;
    }
  }
  throw new Error(
    `cannot find npm's npm-cli.js (from npm on the PATH, or at ${besideNode}); install npm with Node on the server`,
  );
}

async function isFile(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isFile(),
    () => false,
  );
}

async function runNpm(
  run: Pick<ProgramRun, 'cwd' | 'env' | 'writable'>,
  timeoutMs: number,
  log: NpmLog,
  confine: ConfineProgram | undefined,
  onSpawn: (confined: boolean) => void,
): Promise<{ code: number | null; timedOut: boolean }> {
  let spawned: SpawnedNpm;
  try {
    spawned = await spawnNpm(run, confine);
  } catch (error) {
    log.line((error as Error).message);
    return { code: null, timedOut: false };
  }
  const { child, cleanup } = spawned;
  onSpawn(spawned.confined);
  const result = await new Promise<{ code: number | null; timedOut: boolean }>((resolve) => {
    for (const stream of [child.stdout, child.stderr]) {
      if (stream !== null) {
        createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY }).on('line', (line) =>
          log.line(line),
        );
      }
    }
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    const ticker = setInterval(() => log.tick(), PROGRESS_INTERVAL_MS / 2);
    child.on('error', (error) => log.line(error.message));
    child.on('close', (code) => {
      clearTimeout(timer);
      clearInterval(ticker);
      resolve({ code, timedOut });
    });
  });
  await cleanup();
  return result;
}
