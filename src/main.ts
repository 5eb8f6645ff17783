/**
 * Composition root of `portico start`: reads the app's config, builds the file source, the `/api` proxy
 * and the edge, starts the listener, and swaps in a new site snapshot whenever the app folder or the config
 * changes. The only module that wires the planes together.
 */
import { type FSWatcher, watch } from 'node:fs';
import { stat } from 'node:fs/promises';
import { relative, resolve, sep } from 'node:path';
import { type Diagnostic, formatDiagnostics, loadConfig } from './config/index.js';
import {
  type ApiProxy,
  closeServer,
  compileSiteRules,
  createApiProxy,
  createDevSessionCodec,
  createDirectorySource,
  createEdgeHandler,
  createEdgeServer,
  createProviderFilter,
  type EdgeSite,
  listen,
  type SiteRulesState,
} from './edge/index.js';
import {
  createFunctionsHost,
  type FunctionSummary,
  type FunctionsHost,
  resolveSandbox,
  type Sandbox,
  type SandboxChoice,
} from './functions-host/index.js';
import { PorticoError } from './shared/errors.js';
import type { Logger } from './shared/logger.js';

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
  /** `--sandbox`: unset runs the worker as the developer, with their environment (without PORTICO_*). */
  readonly sandbox?: SandboxChoice;
  readonly port: number;
  readonly host: string;
  readonly plan: Plan;
  readonly apiTimeoutSeconds: number;
  readonly verbose: boolean;
  readonly logger: Logger;
}

/** A running dev server. */
export interface DevServer {
  readonly url: string;
  readonly port: number;
  /** Absolute app folder and how many files it serves (at start). */
  readonly appDir: string;
  readonly fileCount: number;
  /** The config file in use at start, if any. */
  readonly configFile?: string;
  /** The managed functions found in `apiDir` (empty without it). */
  readonly functions: readonly FunctionSummary[];
  close(): Promise<void>;
}

/** Starts `portico start`. Rejects with a user error when the app folder or the config is unusable. */
export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  const appDir = await requireDirectory(options.appDir, 'app folder');
  const configDir =
    options.configDir === undefined ? appDir : await requireDirectory(options.configDir, 'config folder');
  const first = await readRulesState(appDir, configDir, options);
  reportWarnings(first, undefined, options.logger);
  if (!first.ok) {
    throw new PorticoError(
      'CONFIG_INVALID',
      `the config is invalid, so nothing is served:\n${formatDiagnostics(errorsOf(first.diagnostics), displayBase(configDir))}`,
    );
  }
  const live = createLiveSite(first, options, appDir, configDir);
  const managed = await startManagedFunctions(options);
  try {
    return await startEdge(options, live, appDir, first.file, managed);
  } catch (error) {
    live.close();
    await managed?.host.close();
    throw error;
  }
}

interface ManagedFunctions {
  readonly host: FunctionsHost;
  readonly url: string;
  readonly functions: readonly FunctionSummary[];
}

/** With `--api`, loads the Functions app in its worker first, so a broken API fails the start clearly. */
async function startManagedFunctions(options: DevServerOptions): Promise<ManagedFunctions | undefined> {
  if (options.apiDir === undefined) {
    return undefined;
  }
  // The functions host checks the folder itself (exists, holds host.json or package.json).
  const apiDir = resolve(options.apiDir);
  const sandbox = await resolveDevSandbox(options.sandbox);
  const host = createFunctionsHost({
    apiDir,
    port: 0,
    useLocalSettings: true,
    watch: true,
    maxMemoryMb: options.apiMaxMemoryMb,
    logger: options.logger,
    ...(sandbox === undefined ? {} : { sandbox }),
  });
  if (sandbox !== undefined) {
    options.logger.info(`functions sandbox: ${sandbox.describe()}`);
  }
  const info = await host.start();
  for (const warning of info.warnings) {
    options.logger.warn(`api: ${warning}`);
  }
  return { host, url: info.url, functions: info.functions };
}

/**
 * `portico start --sandbox`: never a uid per site (that would hand the developer's API folder to another
 * group); bubblewrap and the Node permission model as asked.
 */
async function resolveDevSandbox(choice: SandboxChoice | undefined): Promise<Sandbox | undefined> {
  if (choice === 'user') {
    throw new PorticoError(
      'FUNCTIONS_SANDBOX_INVALID',
      '--sandbox user is for portico serve (a uid per site); portico start runs your own folder: use --sandbox bubblewrap or --sandbox node. See docs/security.md.',
    );
  }
  return choice === undefined ? undefined : resolveSandbox({ choice, functionsUser: 'off' });
}

async function startEdge(
  options: DevServerOptions,
  live: LiveSite,
  appDir: string,
  configFile: string | undefined,
  managed: ManagedFunctions | undefined,
): Promise<DevServer> {
  const exclude = createApiExclusion(appDir, options.apiDir);
  const files = await createDirectorySource({
    root: appDir,
    watch: true,
    exclude,
    onChange: live.scheduleReload,
    logger: options.logger,
  });
  const upstreamUrl = managed?.url ?? options.apiDevserverUrl;
  const api = upstreamUrl === undefined ? undefined : createProxy(options, upstreamUrl);
  live.attach(files, api);
  const server = createEdgeServer(
    createEdgeHandler({
      provider: live,
      serverHost: `${options.host}:${options.port}`,
      logger: options.logger,
      verbose: options.verbose,
    }),
  );
  const port = await listen(server, options.port, options.host);
  const url = `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}`;
  return {
    url,
    port,
    appDir,
    fileCount: files.fileCount,
    configFile,
    functions: managed?.functions ?? [],
    async close() {
      live.close();
      await closeServer(server);
      await Promise.all([files.close(), api?.close(), managed?.host.close()]);
    },
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

function createProxy(options: DevServerOptions, upstreamUrl: string): ApiProxy {
  return createApiProxy({
    upstreamUrl,
    timeoutMs: options.apiTimeoutSeconds * 1000,
    logger: options.logger,
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
  const loaded = await loadConfig({ appDir, configDir });
  const warnings = formatDiagnostics(
    loaded.diagnostics.filter((d) => d.severity === 'warning'),
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

interface LiveSite {
  resolveSite(): EdgeSite | undefined;
  attach(files: EdgeSite['files'], api: ApiProxy | undefined): void;
  scheduleReload(): void;
  close(): void;
}

/** Holds the current site snapshot and rebuilds it (debounced) when files or the config change. */
function createLiveSite(
  first: ReadState,
  options: DevServerOptions,
  appDir: string,
  configDir: string,
): LiveSite {
  let site: EdgeSite | undefined;
  let state: ReadState = first;
  let timer: NodeJS.Timeout | undefined;
  const sessions = createDevSessionCodec();
  const build = (files: EdgeSite['files'], api: ApiProxy | undefined): EdgeSite => ({
    state,
    files,
    api,
    sessions,
    isProviderEnabled: createProviderFilter(state.ok ? state.rules.config.auth : { providers: [] }),
    secure: false,
  });
  const reload = async () => {
    const next = await readRulesState(appDir, configDir, options);
    reportWarnings(next, state, options.logger);
    reportReload(state, next, options.logger);
    state = next;
    site = site === undefined ? undefined : build(site.files, site.api);
  };
  const scheduleReload = () => {
    clearTimeout(timer);
    timer = setTimeout(
      () => void reload().catch((error: unknown) => options.logger.error(String(error))),
      50,
    );
  };
  const watcher = watchConfigDir(appDir, configDir, scheduleReload, options.logger);
  return {
    resolveSite: () => site,
    attach: (files, api) => {
      site = build(files, api);
    },
    scheduleReload,
    close: () => {
      clearTimeout(timer);
      watcher?.close();
    },
  };
}

function reportReload(previous: ReadState, next: ReadState, logger: Logger): void {
  if (
    !next.ok &&
    (previous.ok || formatDiagnostics(previous.diagnostics) !== formatDiagnostics(next.diagnostics))
  ) {
    logger.error(
      `config is now invalid; every request gets 500 until it is fixed:\n${formatDiagnostics(next.diagnostics)}`,
    );
  } else if (!previous.ok) {
    logger.info('config is valid again; serving.');
  }
}

/** The app folder is watched by the file source; a config folder outside it needs its own watcher. */
function watchConfigDir(
  appDir: string,
  configDir: string,
  onChange: () => void,
  logger: Logger,
): FSWatcher | undefined {
  const rel = relative(appDir, configDir);
  if (rel === '' || (!rel.startsWith('..') && !rel.startsWith(sep))) {
    return undefined;
  }
  const watcher = watch(configDir, { recursive: true }, onChange);
  watcher.on('error', (error) => logger.warn(`cannot watch ${configDir}: ${error.message}`));
  return watcher;
}

async function requireDirectory(path: string, what: string): Promise<string> {
  const absolute = resolve(path);
  const info = await stat(absolute).catch(() => undefined);
  if (!info?.isDirectory()) {
    throw new PorticoError('CLI_START_FAILED', `The ${what} ${absolute} does not exist or is not a folder.`);
  }
  return absolute;
}
