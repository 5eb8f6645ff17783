/**
 * Resolves what `portico start [configName|folder|url]` runs from the command line, swa-cli.config.json and
 * `SWA_CLI_*` variables, following the SWA CLI: the positional argument is a configuration name, else a URL
 * (dev-server mode), else the folder to serve; the folder served is `appLocation/outputLocation`, and
 * `appLocation` holds staticwebapp.config.json unless `swaConfigLocation` says otherwise.
 */
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { assertNodeFunctionsApp, RUN_WITH_CORE_TOOLS } from '../../functions-host/app-language.js';
import { PorticoError } from '../../shared/errors.js';
import { parseListenHost } from '../options.js';
import { readFuncArgs } from './func-args.js';
import type { SwaCliOptions } from './keys.js';
import { createLayers, type OptionLayer, pick, pickGroup, pickPath, type ResolveInput } from './layers.js';
import { type SelectedConfiguration, selectConfiguration, unknownConfigurationError } from './select.js';

/** Portico's defaults where neither flags, the file nor the environment say anything. */
export const START_DEFAULTS = { port: 4280, host: '127.0.0.1' } as const;

/** What `portico start` runs, with absolute paths. */
export interface ResolvedStart {
  /** The folder served; absent in dev-server mode. */
  readonly appDir?: string;
  /** The folder searched for staticwebapp.config.json. */
  readonly configDir: string;
  /**
   * A folder below {@link configDir} not searched: in dev-server mode, the build output that
   * `outputLocation` names (its config copy is stale while the source's is edited).
   */
  readonly configSkipDir?: string;
  /** `appLocation`: where `run` runs. */
  readonly appLocation: string;
  readonly appDevserverUrl?: string;
  readonly run?: string;
  readonly devserverTimeoutSeconds?: number;
  /**
   * Where {@link devserverTimeoutSeconds} was set when not on the command line, named as the user wrote
   * it (`devserverTimeout in swa-cli.config.json`, `SWA_CLI_SERVER_TIMEOUT`), for the timeout's message.
   */
  readonly devserverTimeoutSetting?: string;
  readonly apiDir?: string;
  readonly apiDevserverUrl?: string;
  /** The worker's Node.js options from `funcArgs`' `--language-worker` (decision 0057). */
  readonly apiNodeArguments?: readonly string[];
  readonly port: number;
  readonly host: string;
  readonly ssl: boolean;
  readonly sslCert?: string;
  readonly sslKey?: string;
  readonly open: boolean;
  /** The configuration used, if any: `name` of `file`. */
  readonly configuration?: { readonly name: string; readonly file: string };
  readonly warnings: readonly string[];
  readonly notes: readonly string[];
}

/** Merges the layers; throws a user error naming the option (and file or variable) that is wrong. */
export async function resolveStartOptions(input: ResolveInput): Promise<ResolvedStart> {
  const positional = input.positional?.trim() || undefined;
  const isUrl = positional !== undefined && /^https?:\/\//i.test(positional);
  const chosen = await selectConfiguration({
    command: 'start',
    positional: isUrl ? undefined : positional,
    configPath: input.configPath,
    configName: input.configName,
    cwd: input.cwd,
  });
  const folderArg = isUrl || chosen.positionalIsName ? undefined : positional;
  const selected = targetNamed(chosen, isUrl ? positional : folderArg, isUrl, input);
  const flags = withPositional(input.flags, isUrl ? positional : undefined, folderArg);
  const layers = createLayers(flags, selected, input);
  const warnings = [...selected.warnings];
  const app = resolveApp(layers, folderArg, selected, input.cwd, warnings);
  const api = resolveApi(layers, warnings);
  const apiNodeArguments = resolveFuncArgs(layers, api, warnings);
  const port = pick(layers, 'port')?.value ?? START_DEFAULTS.port;
  const ssl = pick(layers, 'ssl')?.value ?? false;
  const sslCert = pickPath(layers, 'sslCert');
  const sslKey = pickPath(layers, 'sslKey');
  if (!ssl && (sslCert !== undefined || sslKey !== undefined)) {
    warnings.push(
      `${sslCert === undefined ? 'sslKey' : 'sslCert'} is given without ssl, so Portico serves plain HTTP and does not read it; add --ssl (or "ssl": true) to serve HTTPS with it`,
    );
  }
  return {
    ...app,
    ...api,
    ...(apiNodeArguments === undefined ? {} : { apiNodeArguments }),
    run: pick(layers, 'run')?.value,
    ...resolveDevserverTimeout(layers),
    port,
    host: parseListenHost(pick(layers, 'host')?.value ?? START_DEFAULTS.host),
    ssl,
    sslCert,
    sslKey,
    open: pick(layers, 'open')?.value ?? false,
    configuration:
      selected.name === undefined || selected.file === undefined
        ? undefined
        : { name: selected.name, file: selected.file },
    warnings,
    notes: selected.notes,
  };
}

/** `devserverTimeout` and, when a file or a variable set it, where (the flag is named anyway). */
function resolveDevserverTimeout(
  layers: readonly OptionLayer[],
): Pick<ResolvedStart, 'devserverTimeoutSeconds' | 'devserverTimeoutSetting'> {
  const picked = pick(layers, 'devserverTimeout');
  if (picked === undefined) {
    return {};
  }
  const source = picked.layer.source;
  const setting =
    source === 'swa-cli.config.json'
      ? 'devserverTimeout in swa-cli.config.json'
      : source === 'environment'
        ? 'SWA_CLI_SERVER_TIMEOUT'
        : undefined;
  return {
    devserverTimeoutSeconds: picked.value,
    ...(setting === undefined ? {} : { devserverTimeoutSetting: setting }),
  };
}

/**
 * A URL or a folder as the argument says what to serve: as the SWA CLI does, the file's configurations
 * are then not used (its first one could start another dev server, or another API), unless
 * `--config-name` names one. A folder that does not exist is not looked for under a configuration's
 * `appLocation` either: it stays an error naming the folder, as in the SWA CLI.
 */
export function targetNamed(
  selected: SelectedConfiguration,
  target: string | undefined,
  isUrl: boolean,
  input: ResolveInput,
): SelectedConfiguration {
  if (target === undefined || selected.file === undefined || selected.name === undefined) {
    return selected;
  }
  if (input.configName !== undefined) {
    return selected;
  }
  return {
    ...selected,
    name: undefined,
    options: {},
    warnings: [],
    notes: [
      `Not using ${selected.file}: ${isUrl ? 'a dev server URL' : 'a folder'} was given, not one of its configurations (${selected.names.join(', ')}), as with the SWA CLI; name one, or add --config-name, to use it`,
    ],
  };
}

/** The positional URL or folder joins the command-line layer, as `--app-devserver-url` or `--output-location`. */
export function withPositional(
  flags: SwaCliOptions,
  url: string | undefined,
  folder: string | undefined,
): SwaCliOptions {
  if (url !== undefined) {
    assertNotBoth(flags.appDevserverUrl, '<url> argument', '--app-devserver-url');
    return { ...flags, appDevserverUrl: url.replace(/\/+$/, '') };
  }
  if (folder !== undefined) {
    assertNotBoth(flags.outputLocation, '<folder> argument', '--output-location');
    return { ...flags, outputLocation: folder };
  }
  return flags;
}

function assertNotBoth(flag: unknown, argument: string, option: string): void {
  if (flag !== undefined) {
    throw new PorticoError('CLI_USAGE', `Use either the ${argument} or ${option}, not both.`);
  }
}

type AppPart = Pick<
  ResolvedStart,
  'appDir' | 'configDir' | 'configSkipDir' | 'appLocation' | 'appDevserverUrl'
>;

/** The app side: a dev server URL or a folder, the config folder and `appLocation`. */
function resolveApp(
  layers: readonly OptionLayer[],
  folderArg: string | undefined,
  selected: SelectedConfiguration,
  cwd: string,
  warnings: string[],
): AppPart {
  const explicitAppLocation = pickPath(layers, 'appLocation');
  const appLocation = explicitAppLocation ?? cwd;
  const swaConfigLocation = pickPath(layers, 'swaConfigLocation');
  const source = pickGroup(layers, ['appDevserverUrl', 'outputLocation']);
  const url = source?.options.appDevserverUrl;
  if (url !== undefined) {
    checkDevServerUrl(url, source?.source ?? 'command line');
    // A file with both is the usual one (the SWA CLI's `init` writes both): outputLocation is what
    // `build` makes, not served while the dev server runs. Only flags that ask for both are told.
    if (source?.options.outputLocation !== undefined && source.source === 'command line') {
      warnings.push(
        `the folder ${source.options.outputLocation} is not served: with --app-devserver-url the dev server serves the app (as in the SWA CLI); use --swa-config-location for where its staticwebapp.config.json is`,
      );
    }
    const output = source?.options.outputLocation;
    // Without a config location, the search covers the project: `portico build` copied the config into
    // the output, and that copy is the old one while the developer edits public/'s.
    const skip =
      swaConfigLocation === undefined && output !== undefined && source?.source !== 'command line'
        ? findOutputFolder(appLocation, output, source?.baseDir ?? cwd)
        : undefined;
    return {
      appDevserverUrl: url,
      appLocation,
      configDir: swaConfigLocation ?? appLocation,
      ...(skip === undefined ? {} : { configSkipDir: skip }),
    };
  }
  const { appDir, configDir } = resolveAppFolder(layers, folderArg, selected, cwd, 'start');
  return { appDir, appLocation, configDir };
}

/**
 * The folder of a built app, `appLocation/outputLocation`, and where its staticwebapp.config.json is:
 * `swaConfigLocation`, else `appLocation`, else (without an appLocation anywhere) the folder itself, as
 * `portico start <appDir>` has it. `configNamed` is true when `swaConfigLocation` said so. Used by
 * `start` (without a dev server) and `deploy`.
 */
export function resolveAppFolder(
  layers: readonly OptionLayer[],
  folderArg: string | undefined,
  selected: SelectedConfiguration,
  cwd: string,
  command: 'start' | 'deploy',
): Required<Pick<ResolvedStart, 'appDir' | 'configDir' | 'appLocation'>> & { readonly configNamed: boolean } {
  const explicitAppLocation = pickPath(layers, 'appLocation');
  const appLocation = explicitAppLocation ?? cwd;
  const swaConfigLocation = pickPath(layers, 'swaConfigLocation');
  const source = pickGroup(layers, ['outputLocation']);
  const output = source?.options.outputLocation;
  const appDir =
    output === undefined ? appLocation : findOutputFolder(appLocation, output, source?.baseDir ?? cwd);
  if (appDir === undefined) {
    throw missingFolderError(explicitAppLocation, String(output), folderArg, selected, { cwd, command });
  }
  const configHome = explicitAppLocation ?? appDir;
  return {
    appDir,
    appLocation,
    configDir: swaConfigLocation ?? configHome,
    configNamed: swaConfigLocation !== undefined,
  };
}

/** A dev server URL must be an http(s) URL with a host (`http://localhost:5173`). */
function checkDevServerUrl(url: string, source: string): void {
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (
    parsed === undefined ||
    (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') ||
    parsed.hostname === ''
  ) {
    throw new PorticoError(
      'CLI_USAGE',
      `The dev server URL "${url}" (${source}) is not an http(s) URL with a host and a port such as http://localhost:5173; fix it.`,
    );
  }
}

/** `appLocation/outputLocation`, else `outputLocation` on its own (the SWA CLI's fallback). */
function findOutputFolder(appLocation: string, output: string, baseDir: string): string | undefined {
  return [resolve(appLocation, output), resolve(baseDir, output)].find(isDirectory);
}

function missingFolderError(
  appLocation: string | undefined,
  output: string,
  folderArg: string | undefined,
  selected: SelectedConfiguration,
  { cwd, command }: { readonly cwd: string; readonly command: 'start' | 'deploy' },
): PorticoError {
  // For deploy, a usage error like its other folder errors; for start, what keeps the server from starting.
  const code = command === 'deploy' ? 'CLI_USAGE' : 'CLI_START_FAILED';
  if (folderArg !== undefined && selected.file !== undefined) {
    const error = unknownConfigurationError(selected.file, folderArg, selected.names);
    return new PorticoError(
      'CLI_SWA_CONFIG_NAME_UNKNOWN',
      `"${folderArg}" is neither a folder nor a configuration name: ${error.message}`,
    );
  }
  if (appLocation === undefined) {
    return new PorticoError(
      code,
      `The app folder ${resolve(cwd, output)} does not exist or is not a folder.`,
    );
  }
  return new PorticoError(
    code,
    `The folder to ${command === 'deploy' ? 'deploy' : 'serve'} ${resolve(appLocation, output)} does not exist (outputLocation "${output}" under appLocation ${appLocation}). Build the app first (\`portico build\`) or fix the location.`,
  );
}

type ApiPart = Pick<ResolvedStart, 'apiDir' | 'apiDevserverUrl'>;

/** The `/api` side: a Functions app folder or a URL, whichever the strongest layer names. */
function resolveApi(layers: readonly OptionLayer[], warnings: string[]): ApiPart {
  const layer = pickGroup(layers, ['apiLocation', 'apiDevserverUrl']);
  if (layer === undefined) {
    return {};
  }
  const { apiLocation, apiDevserverUrl } = layer.options;
  if (apiDevserverUrl !== undefined) {
    if (apiLocation !== undefined) {
      if (layer.source === 'command line') {
        throw new PorticoError(
          'CLI_USAGE',
          'Use either --api <apiDir> (Portico runs the Functions app) or --api-devserver-url <url> (you run it), not both.',
        );
      }
      warnings.push(`${layer.source}: apiDevserverUrl is set, so apiLocation is not run (as in the SWA CLI)`);
    }
    return { apiDevserverUrl };
  }
  const apiDir = resolve(layer.baseDir, String(apiLocation));
  if (layer.source !== 'command line' && !isDirectory(apiDir)) {
    // Said here, naming where the path came from: the functions host would name only the folder.
    const where =
      layer.source === 'environment' ? 'SWA_CLI_API_LOCATION' : 'swa-cli.config.json: apiLocation';
    throw new PorticoError(
      'CLI_START_FAILED',
      `${where} "${apiLocation}" names ${apiDir}, which is not a folder. Fix the path (it is relative to ${layer.source === 'environment' ? 'the current folder' : "the file's folder"}), or remove it to start without an API.`,
    );
  }
  // Said before anything is built or started: the worker would find no functions, and /api answer 404.
  assertNodeFunctionsApp(apiDir, RUN_WITH_CORE_TOOLS);
  return { apiDir };
}

/**
 * `funcArgs`: the `--language-worker` options of the API Portico runs; the rest is for Core Tools, which
 * Portico does not run, and is reported as ignored.
 */
function resolveFuncArgs(
  layers: readonly OptionLayer[],
  api: ApiPart,
  warnings: string[],
): readonly string[] | undefined {
  const picked = pick(layers, 'funcArgs');
  if (picked === undefined) {
    return undefined;
  }
  const { nodeArguments, ignored } = readFuncArgs(picked.value);
  const where = picked.layer.source === 'command line' ? '--func-args' : `${picked.layer.source}: funcArgs`;
  if (ignored.length > 0) {
    warnings.push(
      `${where}: Portico runs the Functions app without Core Tools (\`func\`), so it ignores ${ignored.join(' ')}; it keeps only --language-worker -- <Node.js options>`,
    );
  }
  if (nodeArguments !== undefined && api.apiDir === undefined) {
    warnings.push(`${where}: --language-worker applies to the API Portico runs (apiLocation); there is none`);
    return undefined;
  }
  return nodeArguments;
}

function isDirectory(path: string): boolean {
  return statSync(path, { throwIfNoEntry: false })?.isDirectory() === true;
}
