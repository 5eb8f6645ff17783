/**
 * Composition root of `portico start`: reads the app's config, builds the content source (the app
 * folder, or the framework's dev server in dev-server mode), the `/api` proxy and the edge, starts the
 * listener (and the `--run` command), and swaps in a new site snapshot whenever the app folder or the
 * config changes. The only module that wires the planes together.
 */
import { type FSWatcher, watch } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, dirname, relative, resolve, sep } from 'node:path';
import {
  CONFIG_FILE_NAME,
  type Diagnostic,
  formatDiagnostics,
  LEGACY_ROUTES_FILE_NAME,
  loadConfig,
  type NormalizedConfig,
} from './config/index.js';
import {
  type ApiProxy,
  closeServer,
  compileSiteRules,
  createApiProxy,
  createCaseHint,
  createDevServerSource,
  createDevSessionCodec,
  createDirectorySource,
  createEdgeHandler,
  createEdgeServer,
  createEdgeUpgradeHandler,
  createHostCheck,
  createProviderFilter,
  type DevServerSource,
  describeUnavailable,
  type EdgeSite,
  type FileSource,
  isOwnHost,
  listen,
  type SiteRulesState,
  type TlsCertificate,
} from './edge/index.js';
// Types only: the functions host is imported when --api asks for it (docs/decisions/0024-lazy-cli.md).
import type { DevFunctions, FunctionSummary, SandboxChoice } from './functions-host/index.js';
import { PorticoError } from './shared/errors.js';
import { watchFolderTree } from './shared/folder-watch.js';
import { errorMessage } from './shared/guards.js';
import type { Logger } from './shared/logger.js';
import {
  type DevCommand,
  startDevServerCommand,
  startFolderCommand,
  toListenError,
  watchCommandExit,
} from './start/index.js';

export type Plan = 'free' | 'standard';

/** Options of `portico start`, already validated by the CLI. */
export interface DevServerOptions {
  readonly appDir: string;
  /** Folder holding staticwebapp.config.json (default: appDir). */
  readonly configDir?: string;
  readonly apiDevserverUrl?: string;
  /** Azure Functions app folder run as managed functions behind /api (exclusive with apiDevserverUrl). */
  readonly apiDir?: string;
  /** Heap limit of the managed functions worker, in MB. */
  readonly apiMaxMemoryMb?: number;
  /** The worker's Node.js options from `--func-args` (`--language-worker`); they win over the setting. */
  readonly apiNodeArguments?: readonly string[];
  /** `--sandbox`: unset runs the worker as the developer, with their environment (without PORTICO_*). */
  readonly sandbox?: SandboxChoice;
  readonly port: number;
  readonly host: string;
  /**
   * `--allowed-host`: names answered besides localhost, IP addresses and `host` (lower-case; `.name` for
   * its subdomains too, `all` for any); other Hosts get 403 (decision 0093).
   */
  readonly allowedHosts?: readonly string[];
  readonly plan: Plan;
  readonly apiTimeoutSeconds: number;
  /**
   * How long a client may send nothing of an unfinished `/api` request body before the call ends with 408
   * (default 20 s, decision 0118); tests shorten it.
   */
  readonly clientBodyIdleMs?: number;
  readonly verbose: boolean;
  readonly logger: Logger;
  /** Serve HTTPS with this certificate (`--ssl`); the URL then starts with `https://`. */
  readonly tls?: TlsCertificate;
  /**
   * Dev-server mode (`portico start <url>`): everything but `/.auth` and `/api` comes from the framework's
   * dev server at this URL; `appDir` is then unused and the config is looked up in `configDir`, else the
   * current folder.
   */
  readonly appDevserverUrl?: string;
  /** `--run`: the command that starts the dev server (dev-server mode only). */
  readonly run?: string;
  /** Where `run` runs (swa-cli.config.json's `appLocation`; default: the current folder). */
  readonly runCwd?: string;
  /** `--devserver-timeout`: how long `run` may take until the URL answers, in seconds (default 60). */
  readonly devserverTimeoutSeconds?: number;
  /** Where that timeout was set when not by the flag (`devserverTimeout in swa-cli.config.json`). */
  readonly devserverTimeoutSetting?: string;
  /**
   * The functions of `apiDir`, already starting (`startDevFunctions`): the CLI starts the worker
   * before it loads the edge (decision 0055). Absent, `startDevServer` starts them. A failed start closes
   * them either way.
   */
  readonly managedFunctions?: Promise<DevFunctions>;
  /** The API's `watch` script runs (a TypeScript app): its source edits restart the API through its output. */
  readonly apiCompiledByWatch?: boolean;
  /** Folders where the config is not looked for: in dev-server mode, the build output (`outputLocation`). */
  readonly configSkipDirs?: readonly string[];
  /**
   * Aborted when the CLI is asked to stop (Ctrl-C, SIGTERM, SIGHUP) before the start is done: the
   * functions host is told first (its worker, in Portico's process group, got the terminal's Ctrl-C too,
   * and its exit is no crash), then the `--run` command is stopped; the start then rejects (decision 0111).
   */
  readonly stopSignal?: AbortSignal;
}

/** The default of `--devserver-timeout`, in seconds (for the CLI's help). */
export { DEFAULT_DEVSERVER_TIMEOUT_SECONDS } from './start/index.js';

/** A running dev server. */
export interface DevServer {
  readonly url: string;
  readonly port: number;
  /** Absolute app folder and how many files it serves (at start); the dev server's URL in dev-server mode. */
  readonly appDir: string;
  /** The dev server's URL in dev-server mode. */
  readonly devServerUrl?: string;
  /**
   * Resolves with the exit code of the `--run` command when it exits by itself (Portico should stop then);
   * never resolves without `--run`.
   */
  readonly commandExited: Promise<number>;
  readonly fileCount: number;
  /** The config file in use at start, if any. */
  readonly configFile?: string;
  /** The managed functions found in `apiDir` (empty without it). */
  readonly functions: readonly FunctionSummary[];
  close(): Promise<void>;
}

/** Starts `portico start`. Rejects with a user error when the app folder or the config is unusable. */
export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  const { appDir, configDir, first } = await readStartingState(options).catch(async (error: unknown) => {
    await discardFunctions(options.managedFunctions);
    throw error;
  });
  const live = createLiveSite(first, options, appDir, configDir);
  let started: StartedParts | undefined;
  try {
    // Inside the try: the live site's config watcher must not keep the process alive after a failure.
    started = await startContentAndFunctions(options, appDir, live);
    return await startEdge(options, live, appDir, first.file, started);
  } catch (error) {
    live.close();
    await Promise.all([started?.managed?.host.close(), started?.content.close()]);
    throw error;
  }
}

/** The folders and the config a start serves; rejects with a user error when one is unusable. */
async function readStartingState(
  options: DevServerOptions,
): Promise<{ appDir: string | undefined; configDir: string; first: ReadState }> {
  const appDir =
    options.appDevserverUrl === undefined ? await requireDirectory(options.appDir, 'app folder') : undefined;
  const configDir =
    options.configDir === undefined
      ? (appDir ?? process.cwd())
      : await requireDirectory(options.configDir, 'config folder');
  const first = await readRulesState(appDir ?? configDir, configDir, options);
  reportWarnings(first, undefined, options.logger);
  if (!first.ok) {
    throw new PorticoError(
      'CONFIG_INVALID',
      `the config is invalid, so nothing is served:\n${formatDiagnostics(errorsOf(first.diagnostics), displayBase(configDir))}`,
    );
  }
  return { appDir, configDir, first };
}

/** What the edge starts on: the app folder's content and, with `--api`, the managed functions. */
interface StartedParts {
  readonly managed: DevFunctions | undefined;
  readonly content: Content;
}

/**
 * Reads the app folder and starts watching it while the API's worker starts in its own process (about
 * 50 ms sooner to the first answer with a small app). Either failing closes the other; the API's error
 * is the one reported, as when the two ran one after the other.
 */
async function startContentAndFunctions(
  options: DevServerOptions,
  appDir: string | undefined,
  live: LiveSite,
): Promise<StartedParts> {
  const [managed, content] = await Promise.allSettled([
    options.managedFunctions ?? startApi(options),
    createContent(options, appDir, live),
  ]);
  if (managed.status === 'fulfilled' && content.status === 'fulfilled') {
    return { managed: managed.value, content: content.value };
  }
  await Promise.all([
    managed.status === 'fulfilled' ? managed.value?.host.close() : undefined,
    content.status === 'fulfilled' ? content.value.close() : undefined,
  ]);
  throw managed.status === 'rejected' ? managed.reason : (content as PromiseRejectedResult).reason;
}

/** With `--api`, the app's functions, loaded first so a broken API fails the start clearly. */
async function startApi(options: DevServerOptions): Promise<DevFunctions | undefined> {
  if (options.apiDir === undefined) {
    return undefined;
  }
  const { startDevFunctions } = await import('./functions-host/index.js');
  return startDevFunctions({ ...options, apiDir: options.apiDir });
}

/** Stops functions started for a start that failed before it used them; never rejects. */
async function discardFunctions(started: Promise<DevFunctions> | undefined): Promise<void> {
  await started?.then(
    (functions) => functions.host.close(),
    () => undefined,
  );
}

/** Starts the edge on the content read and the API started; on a failure, the caller closes those two. */
async function startEdge(
  options: DevServerOptions,
  live: LiveSite,
  appDir: string | undefined,
  configFile: string | undefined,
  { managed, content }: StartedParts,
): Promise<DevServer> {
  const api = createProxy(options, managed);
  live.attach({
    files: content.files,
    api,
    devServer: content.devServer,
    onStaticMiss: content.onStaticMiss,
  });
  const serverHost = `${options.host}:${options.port}`;
  const hosts = createHostCheck({
    listenHost: options.host,
    allowedHosts: options.allowedHosts ?? [],
    logger: options.logger,
  });
  const edge = createEdgeHandler({
    provider: live,
    serverHost,
    logger: options.logger,
    verbose: options.verbose,
    // Step 0 as `portico serve` runs it in its front: docs/request-pipeline.md, decision 0119.
    answersRequestHeads: true,
  });
  const server = createEdgeServer(hosts.http(edge), {
    ...(options.tls === undefined ? {} : { tls: options.tls }),
    ...(content.devServer === undefined
      ? {}
      : { upgrade: hosts.upgrade(createEdgeUpgradeHandler(live, serverHost)) }),
  });
  const closeEdge = async () => {
    await closeServer(server);
    await api?.close();
  };
  let port: number;
  let command: DevCommand | undefined;
  try {
    port = await listen(server, options.port, options.host).catch((error: unknown) => {
      throw toListenError(error, options.port, options.host);
    });
    checkNotSelf(options.appDevserverUrl, port, options.host);
    const run = {
      run: options.run,
      cwd: options.runCwd,
      timeoutSeconds: options.devserverTimeoutSeconds,
      timeoutSetting: options.devserverTimeoutSetting,
      logger: options.logger,
      stopSignal: options.stopSignal,
    };
    command =
      content.devServer === undefined
        ? startFolderCommand(run)
        : await startDevServerCommand(content.devServer, run);
  } catch (error) {
    // startDevServer closes the live site, the content and the managed functions.
    await closeEdge();
    throw error;
  }
  const url = `${options.tls === undefined ? 'http' : 'https'}://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}`;
  return {
    url,
    port,
    appDir: appDir ?? options.appDevserverUrl ?? '',
    devServerUrl: options.appDevserverUrl,
    fileCount: content.fileCount,
    configFile,
    functions: managed?.functions ?? [],
    commandExited: watchCommandExit(command, options.logger, content.devServer === undefined),
    async close() {
      // The functions host first: a worker that got the terminal's Ctrl-C and exits is then no crash.
      const functionsClosed = managed?.host.close();
      live.close();
      await Promise.all([functionsClosed, closeEdge(), content.close(), command?.stop()]);
    },
  };
}

/** What the edge serves content from: the app folder, or the dev server (with no files). */
interface Content {
  readonly files: FileSource;
  readonly fileCount: number;
  readonly devServer?: DevServerSource;
  /** The case hint on a missed file (an app folder only: a dev server's files are its own). */
  readonly onStaticMiss?: EdgeSite['onStaticMiss'];
  close(): Promise<void>;
}

const NO_FILES: FileSource = { get: () => undefined, close: async () => {} };

async function createContent(
  options: DevServerOptions,
  appDir: string | undefined,
  live: LiveSite,
): Promise<Content> {
  if (appDir === undefined) {
    const hosts = { listenHost: options.host, allowedHosts: options.allowedHosts ?? [] };
    const devServer = createDevServerSource({
      url: options.appDevserverUrl ?? '',
      logger: options.logger,
      isOwnHost: (host) => isOwnHost(host, hosts),
    });
    return { files: NO_FILES, fileCount: 0, devServer, close: () => devServer.close() };
  }
  const files = await createDirectorySource({
    root: appDir,
    watch: true,
    exclude: createApiExclusion(appDir, options.apiDir),
    onChange: live.scheduleReload,
    logger: options.logger,
    caseIndex: true,
  });
  return {
    files,
    fileCount: files.fileCount,
    onStaticMiss: createCaseHint({ files, logger: options.logger }),
    close: () => files.close(),
  };
}

/** An API folder inside the app folder is never served as static content. */
function createApiExclusion(
  appDir: string,
  apiDir: string | undefined,
): ((relativePath: string) => boolean) | undefined {
  if (apiDir === undefined) {
    return undefined;
  }
  const rel = relative(appDir, resolve(apiDir));
  if (rel === '' || rel.startsWith('..') || rel.startsWith(sep)) {
    return undefined;
  }
  return (relativePath) => relativePath === rel || relativePath.startsWith(`${rel}/`);
}

/**
 * The `/api` proxy: to the managed worker (requests wait, within the API timeout, while a crashed or
 * changed worker restarts; a worker that cannot load answers at once), or to `--api-devserver-url`.
 */
function createProxy(options: DevServerOptions, managed: DevFunctions | undefined): ApiProxy | undefined {
  const common = {
    timeoutMs: options.apiTimeoutSeconds * 1000,
    ...(options.clientBodyIdleMs === undefined ? {} : { clientBodyIdleMs: options.clientBodyIdleMs }),
    logger: options.logger,
  };
  if (managed !== undefined) {
    const { host } = managed;
    return createApiProxy({
      ...common,
      upstreamUrl: managed.url,
      ...(managed.socketPath === undefined ? {} : { upstreamSocketPath: managed.socketPath }),
      keepSiteHost: true,
      dispatcher: host.createDispatcher(),
      cutReason: 'it crashed, was stopped for hanging, or restarted after an edit',
      stopCause: () => host.stopCause(),
      whenUpstreamReady: () =>
        host.whenReady().catch((error: unknown) => {
          throw describeUnavailable(error, 'The API is not running', 'the portico start output says why');
        }),
    });
  }
  if (options.apiDevserverUrl === undefined) {
    return undefined;
  }
  return createApiProxy({
    ...common,
    upstreamUrl: options.apiDevserverUrl,
    unreachableHint: 'Start it, or check --api-devserver-url.',
  });
}

/** A rules state together with what the last read of the config said. */
type ReadState = SiteRulesState & { readonly warnings: string; readonly file?: string };

/** Loads and compiles the config; Standard-only features on a Free plan are errors (Azure rejects them). */
async function readRulesState(
  appDir: string,
  configDir: string,
  options: DevServerOptions,
): Promise<ReadState> {
  const loaded = await loadConfig({
    appDir,
    configDir,
    ...(options.configSkipDirs === undefined ? {} : { skipDirs: options.configSkipDirs }),
  });
  const warnings = formatDiagnostics(
    [
      ...loaded.diagnostics.filter((d) => d.severity === 'warning'),
      ...(loaded.ok ? rolesSourceWithoutApi(loaded.config, loaded.file, options) : []),
    ],
    displayBase(configDir),
  );
  if (!loaded.ok) {
    return { ok: false, diagnostics: loaded.diagnostics, warnings, file: loaded.file };
  }
  const planErrors = checkPlan(loaded.config.standardOnlyFeatures, options.plan, loaded.file);
  return planErrors.length > 0
    ? { ok: false, diagnostics: planErrors, warnings, file: loaded.file }
    : { ok: true, rules: compileSiteRules(loaded.config), warnings, file: loaded.file };
}

/**
 * A roles function with no API to run it: sign-in still works from the form, without the function's
 * roles, which a developer would otherwise only notice on a 403.
 */
function rolesSourceWithoutApi(
  config: NormalizedConfig,
  file: string | undefined,
  options: DevServerOptions,
): Diagnostic[] {
  const rolesSource = config.auth?.rolesSource;
  if (rolesSource === undefined || options.apiDir !== undefined || options.apiDevserverUrl !== undefined) {
    return [];
  }
  return [
    {
      severity: 'warning',
      path: 'auth.rolesSource',
      message: `${rolesSource} is not called: no API is running (start with --api <folder> or --api-devserver-url <url>), so signing in gives no roles from it.`,
      ...(file === undefined ? {} : { file }),
    },
  ];
}

function errorsOf(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return diagnostics.filter((d) => d.severity === 'error');
}

/** File names in messages are shown relative to the working directory when the config lives below it. */
function displayBase(configDir: string): { baseDir?: string } {
  const rel = relative(process.cwd(), configDir);
  return rel.startsWith('..') || rel.startsWith(sep) ? {} : { baseDir: process.cwd() };
}

/** Prints config warnings once: at start, and again only when they change. */
function reportWarnings(next: ReadState, previous: ReadState | undefined, logger: Logger): void {
  if (next.warnings !== '' && next.warnings !== previous?.warnings) {
    logger.info(next.warnings);
  }
}

function checkPlan(features: readonly string[], plan: Plan, file: string | undefined): Diagnostic[] {
  if (plan === 'standard') {
    return [];
  }
  return features.map((feature) => ({
    severity: 'error',
    path: feature,
    message: `${feature} needs the Standard plan; Azure rejects it on a Free app. Run with --plan standard, or remove it.`,
    file,
  }));
}

/** What a site snapshot keeps from one rebuild to the next: its content and its API. */
interface SiteParts {
  readonly files: EdgeSite['files'];
  readonly api: ApiProxy | undefined;
  readonly devServer: DevServerSource | undefined;
  readonly onStaticMiss: EdgeSite['onStaticMiss'];
}

interface LiveSite {
  resolveSite(): EdgeSite | undefined;
  attach(parts: SiteParts): void;
  scheduleReload(): void;
  close(): void;
}

/** Holds the current site snapshot and rebuilds it (debounced) when files or the config change. */
function createLiveSite(
  first: ReadState,
  options: DevServerOptions,
  appDir: string | undefined,
  configDir: string,
): LiveSite {
  let site: EdgeSite | undefined;
  let state: ReadState = first;
  let timer: NodeJS.Timeout | undefined;
  const sessions = createDevSessionCodec();
  let parts: SiteParts | undefined;
  const build = ({ files, api, devServer, onStaticMiss }: SiteParts): EdgeSite => ({
    state,
    files,
    ...(devServer === undefined ? {} : { devServer }),
    ...(onStaticMiss === undefined ? {} : { onStaticMiss }),
    api,
    sessions,
    isProviderEnabled: createProviderFilter(state.ok ? state.rules.config.auth : { providers: [] }),
    secure: options.tls !== undefined,
  });
  let started = 0;
  let knownFile = first.file;
  const reload = async () => {
    // Reloads can overlap on a busy machine; only the last one started (the newest read) may apply.
    const generation = ++started;
    const read = await readRulesState(appDir ?? configDir, configDir, options);
    if (generation !== started) {
      return;
    }
    const next =
      read.file === undefined && knownFile !== undefined ? missingConfigState(knownFile, read) : read;
    if (read.file !== undefined && knownFile !== undefined && read.file !== knownFile) {
      // Another copy now wins (one was added nearer the top): say which, the start line named the old one.
      options.logger.info(`config: now using ${relative(process.cwd(), read.file) || read.file}`);
    }
    knownFile = read.file ?? knownFile;
    watcher?.follow(knownFile);
    reportWarnings(next, state, options.logger);
    reportReload(state, next, configDir, options.logger);
    state = next;
    site = parts === undefined ? undefined : build(parts);
  };
  const scheduleReload = () => {
    clearTimeout(timer);
    timer = setTimeout(
      () => void reload().catch((error: unknown) => options.logger.error(String(error))),
      50,
    );
  };
  const watcher = watchConfigDir(appDir, configDir, scheduleReload, options.logger);
  watcher?.follow(knownFile);
  return {
    resolveSite: () => site,
    attach: (attached) => {
      parts = attached;
      site = build(attached);
    },
    scheduleReload,
    close: () => {
      clearTimeout(timer);
      watcher?.close();
    },
  };
}

/**
 * A config that was in use and is gone fails closed like a broken one: serving on without its rules
 * would open every route it protected. It is served again once the file is back, or after a restart.
 */
function missingConfigState(file: string, read: ReadState): ReadState {
  const message =
    'was deleted while portico start was running, so nothing is served (its rules would be missing); ' +
    'put it back, or restart portico start to serve the app without a config';
  return {
    ok: false,
    diagnostics: [{ severity: 'error', path: '', file, message }],
    warnings: read.warnings,
  };
}

/**
 * Says when the config turns invalid (its errors, named as the start names them; its warnings were just
 * printed by {@link reportWarnings}, once) and when it is valid again.
 */
function reportReload(previous: ReadState, next: ReadState, configDir: string, logger: Logger): void {
  const errors = (state: ReadState) =>
    state.ok ? '' : formatDiagnostics(errorsOf(state.diagnostics), displayBase(configDir));
  if (!next.ok && (previous.ok || errors(previous) !== errors(next))) {
    logger.error(`config is now invalid; every request gets 500 until it is fixed:\n${errors(next)}`);
  } else if (!previous.ok) {
    logger.info('config is valid again; serving.');
  }
}

/** Watches the config of `portico start`; `follow` names the file in use (it may be in a subfolder). */
interface ConfigWatcher {
  follow(file: string | undefined): void;
  close(): void;
}

/**
 * The app folder is watched by the file source; a config folder outside it needs its own watcher. In
 * dev-server mode there is no app folder: the config folder (often the project's root, with its
 * node_modules) is watched for the config files only, not recursively, and so is the folder of the file
 * in use, which the search may have found below it (`public/` of a Vite project).
 */
function watchConfigDir(
  appDir: string | undefined,
  configDir: string,
  onChange: () => void,
  logger: Logger,
): ConfigWatcher | undefined {
  if (appDir === undefined) {
    return watchConfigFolders(configDir, onChange, logger);
  }
  const rel = relative(appDir, configDir);
  if (rel === '' || (!rel.startsWith('..') && !rel.startsWith(sep))) {
    return undefined;
  }
  const tree = watchFolderTree({ root: configDir, delayMs: 0, onSettled: onChange, logger });
  return { follow: () => undefined, close: () => tree.close() };
}

/** Watches `configDir` and the folder of the config in use, each for the config's names only. */
function watchConfigFolders(configDir: string, onChange: () => void, logger: Logger): ConfigWatcher {
  const names = new Set([CONFIG_FILE_NAME, LEGACY_ROUTES_FILE_NAME]);
  const watchers = new Map<string, FSWatcher>();
  const add = (dir: string) => {
    try {
      const watcher = watch(dir, (_event, name) =>
        name === null || names.has(name) ? onChange() : undefined,
      );
      watcher.on('error', (error) => logger.warn(`cannot watch ${dir}: ${error.message}`));
      watchers.set(dir, watcher);
    } catch (error) {
      logger.warn(`cannot watch ${dir}: ${errorMessage(error)}`);
    }
  };
  add(configDir);
  return {
    follow: (file) => {
      const wanted = file === undefined ? configDir : dirname(file);
      for (const [dir, watcher] of watchers) {
        if (dir !== configDir && dir !== wanted) {
          watcher.close();
          watchers.delete(dir);
        }
      }
      if (!watchers.has(wanted)) {
        add(wanted);
      }
    },
    close: () => {
      for (const watcher of watchers.values()) {
        watcher.close();
      }
      watchers.clear();
    },
  };
}

/**
 * A dev server URL that names Portico's own address would have Portico answer its own readiness check and
 * then forward every request to itself, in a loop; refused before the `--run` command starts.
 */
function checkNotSelf(devServerUrl: string | undefined, port: number, host: string): void {
  if (devServerUrl === undefined) {
    return;
  }
  const url = new URL(devServerUrl);
  const devPort = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
  const loopback = new Set(['localhost', '127.0.0.1', '[::1]', '0.0.0.0', '[::]']);
  const sameHost =
    url.hostname === host || (loopback.has(url.hostname) && (loopback.has(host) || host === '::'));
  if (devPort === port && sameHost) {
    throw new PorticoError(
      'CLI_START_FAILED',
      `The dev server URL ${devServerUrl} is Portico's own address (port ${port}): Portico would forward every request to itself. Give Portico another --port, or the dev server's real URL.`,
    );
  }
}

async function requireDirectory(path: string, what: string): Promise<string> {
  const absolute = resolve(path);
  const info = await stat(absolute).catch(() => undefined);
  if (info?.isFile()) {
    const hint =
      basename(absolute) === CONFIG_FILE_NAME
        ? ` give the folder that holds it (${dirname(absolute)})`
        : ' give a folder';
    throw new PorticoError('CLI_START_FAILED', `The ${what} ${absolute} is a file, not a folder:${hint}.`);
  }
  if (!info?.isDirectory()) {
    throw new PorticoError('CLI_START_FAILED', `The ${what} ${absolute} does not exist.`);
  }
  return absolute;
}
