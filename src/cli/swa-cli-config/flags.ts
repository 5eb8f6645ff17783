/**
 * The command-line options of the SWA CLI that `portico start` and `portico build` accept, spelled as the
 * SWA CLI spells them (with its one-letter aliases), and their conversion to the command-line layer (only what the user typed: the
 * defaults are applied after merging, so a flag left out never hides the file or a variable).
 */
import type { Command } from 'commander';
import { PorticoError } from '../../shared/errors.js';
import { parseHttpUrl, parsePort, parseSeconds } from '../options.js';
import type { SwaCliOptions } from './keys.js';
import type { ResolveInput } from './layers.js';

/** The flags {@link addSwaCliStartOptions} adds, as commander parses them. */
export interface SwaCliStartFlags {
  readonly api?: string;
  readonly apiLocation?: string;
  readonly apiDevserverUrl?: string;
  readonly appLocation?: string;
  readonly outputLocation?: string;
  readonly appDevserverUrl?: string;
  readonly run?: string;
  readonly devserverTimeout?: number;
  readonly swaConfigLocation?: string;
  readonly port?: number;
  readonly host?: string;
  readonly ssl?: boolean;
  readonly sslCert?: string;
  readonly sslKey?: string;
  readonly open?: boolean;
  readonly funcArgs?: string;
  readonly config?: string;
  readonly configName?: string;
  /** `deploy --env` (parsed: `default` is already `production`). */
  readonly env?: string;
}

/** Adds `--config`/`--config-name`, shared by `start` and `build`. */
export function addConfigFileOptions(command: Command): Command {
  return command
    .option('-c, --config <path>', 'the swa-cli.config.json to read (default: ./swa-cli.config.json)')
    .option('--config-name <name>', 'the configuration of swa-cli.config.json to use');
}

/** Adds the SWA CLI's `start` options. */
export function addSwaCliStartOptions(command: Command): Command {
  addConfigFileOptions(command)
    .option('--api <apiDir>', 'Azure Functions app folder to run as managed functions behind /api')
    .option('-i, --api-location <apiDir>', 'the same as --api (the SWA CLI spelling)')
    .option('--api-devserver-url <url>', 'proxy /api/* to this URL instead', parseHttpUrl)
    .option('-a, --app-location <dir>', 'the app folder; holds staticwebapp.config.json (default: .)')
    .option('-O, --output-location <dir>', 'the built front end, relative to --app-location (default: .)')
    .option(
      '-D, --app-devserver-url <url>',
      'forward everything but /.auth and /api to this dev server',
      parseHttpUrl,
    )
    .option(
      '-r, --run <command>',
      'start the dev server with this command (beside a folder: run it alongside, e.g. a build watcher)',
    )
    .option(
      '-t, --devserver-timeout <seconds>',
      'how long to wait for the dev server (default 60)',
      parseSeconds,
    )
    .option(
      '-w, --swa-config-location <dir>',
      'folder holding staticwebapp.config.json (default: the app folder)',
    )
    .option('-p, --port <port>', 'port to listen on (default 4280)', parsePort)
    .option('-q, --host <host>', 'address to listen on (default 127.0.0.1)')
    .option('-s, --ssl', 'serve HTTPS (a generated localhost certificate unless --ssl-cert/--ssl-key)')
    .option('-e, --ssl-cert <pem>', 'certificate (PEM) for --ssl')
    .option('-k, --ssl-key <pem>', 'private key (PEM) for --ssl')
    .option('-o, --open', 'open the browser once the server is ready')
    .option(
      '-f, --func-args <args>',
      'arguments for `func start`: Portico keeps --language-worker -- <Node.js options> (e.g. "--inspect=9229")',
    );
  return command;
}

/**
 * A folder flag given as `""` is not set, as `"apiLocation": ""` in swa-cli.config.json is: a workflow's
 * `--api-location "${{ inputs.api_location }}"` with an empty input means no API, not the current folder.
 */
function folderFlag(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}

/** The command-line layer: the typed flags by their SWA CLI names. */
export function toSwaCliFlags(flags: SwaCliStartFlags): SwaCliOptions {
  const api = folderFlag(flags.api);
  const apiLocation = folderFlag(flags.apiLocation);
  if (api !== undefined && apiLocation !== undefined && api !== apiLocation) {
    throw new PorticoError('CLI_USAGE', '--api and --api-location name the same folder; give one of them.');
  }
  const entries = Object.entries({
    appLocation: folderFlag(flags.appLocation),
    outputLocation: folderFlag(flags.outputLocation),
    appDevserverUrl: flags.appDevserverUrl,
    apiLocation: api ?? apiLocation,
    apiDevserverUrl: flags.apiDevserverUrl,
    run: flags.run,
    port: flags.port,
    host: flags.host,
    ssl: flags.ssl,
    sslCert: flags.sslCert,
    sslKey: flags.sslKey,
    swaConfigLocation: folderFlag(flags.swaConfigLocation),
    open: flags.open,
    devserverTimeout: flags.devserverTimeout,
    funcArgs: flags.funcArgs,
    env: flags.env,
  }).filter(([, value]) => value !== undefined);
  return Object.fromEntries(entries) as SwaCliOptions;
}

/** What `portico start` and `portico deploy` resolve from: their command line, in this process's folder and environment. */
export function commandLineInput(target: string | undefined, flags: SwaCliStartFlags): ResolveInput {
  return {
    positional: target,
    flags: toSwaCliFlags(flags),
    configPath: flags.config,
    configName: flags.configName,
    env: process.env,
    cwd: process.cwd(),
  };
}
