/**
 * `portico start [configName|appDir|url]`: the local static web app server (CONTRACT §2), in front of a
 * folder or of the framework's dev server. Options come from the command line, swa-cli.config.json and
 * `SWA_CLI_*` variables (see `../swa-cli-config/`). Prints one line with the URL when ready; Ctrl-C or
 * SIGTERM stops it (and the `--run` command) cleanly.
 */
import { relative } from 'node:path';
import { type Command, Option } from 'commander';
import type { ApiBuildWatch } from '../../functions-host/build-scripts.js';
import type { DevFunctions, SandboxChoice } from '../../functions-host/index.js';
// Types only: the edge loads once the API's worker has started (decision 0055).
import type { DevServer, DevServerOptions } from '../../main.js';
import { countOf } from '../../shared/count.js';
import { PorticoError } from '../../shared/errors.js';
import { createLogger, type Logger } from '../../shared/logger.js';
import { handleStopSignals } from '../../shared/stop-signals.js';
import { loadDotenv } from '../dotenv.js';
import { openBrowser } from '../open-browser.js';
import { parseAllowedHosts, parseMegabytes, parseSandboxFlag, parseSeconds } from '../options.js';
import {
  addSwaCliStartOptions,
  commandLineInput,
  type ResolvedStart,
  resolveStartOptions,
  type SwaCliStartFlags,
} from '../swa-cli-config/index.js';
import { resolveCertificate, userCacheDir } from '../tls/certificate.js';

interface StartFlags extends SwaCliStartFlags {
  plan: 'free' | 'standard';
  apiTimeout: number;
  apiMaxMemory?: number;
  verbose?: boolean;
  sandbox?: SandboxChoice;
  allowedHost?: string[];
}

/** Adds the `start` command to the program. */
export function registerStartCommand(program: Command): void {
  const command = program
    .command('start')
    .description(
      'Serve a static web app folder (or a dev server) with staticwebapp.config.json, /.auth emulation and /api; reads swa-cli.config.json',
    )
    .argument(
      '[target]',
      'a configuration name of swa-cli.config.json, the folder to serve, or a dev server URL',
    );
  addSwaCliStartOptions(command)
    .addOption(
      new Option('--plan <plan>', 'hosting plan whose rules apply')
        .choices(['free', 'standard'])
        .default('standard'),
    )
    .option('--api-timeout <seconds>', 'limit of one /api request', parseSeconds, 45)
    .option(
      '--api-max-memory <mb>',
      'heap limit of the managed functions worker in MB (default 512); a worker whose resident memory passes twice that plus 256 MB is restarted',
      parseMegabytes,
    )
    .option(
      '--sandbox <mechanism>',
      'run the functions worker sandboxed: auto, bubblewrap, node or none (default: none, as the developer; see docs/security.md)',
      parseSandboxFlag,
    )
    .option(
      '--allowed-host <names>',
      'answer to these Host names too (a tunnel, a LAN name; comma-separated, repeatable; .example.com for its subdomains, all for any); besides localhost, IP addresses and --host, other hosts get 403 (env PORTICO_ALLOWED_HOSTS)',
      (value: string, previous: string[] | undefined) => parseAllowedHosts(value, previous),
    )
    .option('--verbose', 'log one line per request')
    .action((target: string | undefined, flags: StartFlags) => runStart(target, flags));
}

async function runStart(target: string | undefined, flags: StartFlags): Promise<void> {
  const logger = createLogger({ write: (line) => process.stderr.write(`${line}\n`) });
  const stop = listenForStop(logger);
  const server = await startUntilStopped(target, flags, logger, stop.signal).catch((error: unknown) => {
    if (stop.signal.aborted) {
      // Stopped as asked before it was ready (decision 0111): what failed on the way is the stop itself.
      return undefined;
    }
    stop.remove();
    throw error;
  });
  if (server !== undefined) {
    await serveUntilStopped(server, stop);
  }
  // Everything Portico started is closed: the process ends when nothing else runs. Should a handle stay
  // open by mistake (a watcher made while closing, seen once), it still ends a second later instead of
  // running on after Ctrl-C or SIGTERM; the timer itself keeps nothing alive.
  setTimeout(() => process.exit(), 1000).unref();
}

/** How `start` is told to stop: by a signal (`signal` aborts) or by the `--run` command exiting. */
interface StopListener {
  readonly signal: AbortSignal;
  /** Marks a stop for another reason (the command exited): a signal then exits at once. */
  markStopping(): void;
  remove(): void;
}

/**
 * Listens for Ctrl-C, SIGTERM and SIGHUP from the very start, so that every state stops the same way
 * (decision 0111): the first aborts `signal`, which closes the functions host first (its worker shares
 * the terminal's process group and got the Ctrl-C too), then whatever else has started; a second exits
 * at once. A stop asked for by a signal exits 0.
 */
function listenForStop(logger: Logger): StopListener {
  const controller = new AbortController();
  let stopping = false;
  const handlers = handleStopSignals({
    stop: () => controller.abort(),
    isStopping: () => stopping,
    say: (line) => logger.info(line),
  });
  return {
    signal: controller.signal,
    markStopping: () => {
      stopping = true;
    },
    remove: () => handlers.remove(),
  };
}

/** Starts everything; resolves undefined when a stop was asked for on the way (all is closed then). */
async function startUntilStopped(
  target: string | undefined,
  flags: StartFlags,
  logger: Logger,
  stopSignal: AbortSignal,
): Promise<{ server: DevServer; close(): Promise<void> } | undefined> {
  await loadDotenv(process.cwd(), process.env, logger);
  const resolved = await resolveStartOptions(commandLineInput(target, flags));
  reportResolution(resolved, logger);
  const tls = resolved.ssl ? await loadCertificate(resolved, logger) : undefined;
  const apiBuild = resolved.apiDir === undefined ? undefined : await prepareApiBuild(resolved.apiDir, logger);
  const server = await startServer({
    ...toDevServerOptions(resolved, flags, logger),
    tls,
    apiCompiledByWatch: apiBuild !== undefined,
    stopSignal,
  }).catch(async (error: unknown) => {
    await apiBuild?.close();
    throw error;
  });
  const close = async () => {
    await server.close();
    await apiBuild?.close();
  };
  if (stopSignal.aborted) {
    await close();
    return undefined;
  }
  printReady(server, resolved, flags);
  if (server.functions.length > 0) {
    const { describeFunctions } = await import('../../functions-host/index.js');
    process.stdout.write(describeFunctions(server.functions));
  }
  if (resolved.open) {
    openBrowser(server.url, (line) => logger.info(line));
  }
  return { server, close };
}

function printReady(server: DevServer, resolved: ResolvedStart, flags: StartFlags): void {
  process.stdout.write(
    `Portico dev server ready at ${server.url} (${describeApi(resolved)}, ${flags.plan} plan)\n`,
  );
  process.stdout.write(`${describeServed(server)}\n`);
}

/** Starts the API's worker first, then loads the edge and starts it around the worker (decision 0055). */
async function startServer(options: DevServerOptions): Promise<DevServer> {
  const early = await startApiFirst(options);
  const { startDevServer } = await import('../../main.js');
  return startDevServer({ ...options, managedFunctions: early?.managed });
}

/**
 * With `--api`, starts the API's worker and waits only until its process has started: the edge's modules
 * then load while the worker boots, instead of before it (decision 0055). `startDevServer` awaits the
 * functions, reports their failure, and closes them when the start fails.
 */
async function startApiFirst(
  options: DevServerOptions,
): Promise<{ readonly managed: Promise<DevFunctions> } | undefined> {
  if (options.apiDir === undefined) {
    return undefined;
  }
  let spawned: () => void = () => {};
  const started = new Promise<void>((resolve) => {
    spawned = resolve;
  });
  const { startDevFunctions } = await import('../../functions-host/index.js');
  const managed = startDevFunctions({ ...options, apiDir: options.apiDir, onFirstSpawn: spawned });
  // startDevServer handles the outcome; a failure before then must neither count as unhandled nor keep
  // the start waiting for a process that never started.
  const settled = managed.then(
    () => undefined,
    () => undefined,
  );
  await Promise.race([started, settled]);
  return { managed };
}

/** The resolved options as `startDevServer` takes them. */
function toDevServerOptions(resolved: ResolvedStart, flags: StartFlags, logger: Logger): DevServerOptions {
  return {
    appDir: resolved.appDir ?? resolved.appLocation,
    configDir: resolved.configDir,
    ...(resolved.configSkipDir === undefined ? {} : { configSkipDirs: [resolved.configSkipDir] }),
    apiDevserverUrl: resolved.apiDevserverUrl,
    apiDir: resolved.apiDir,
    apiMaxMemoryMb: flags.apiMaxMemory,
    apiNodeArguments: resolved.apiNodeArguments,
    port: resolved.port,
    host: resolved.host,
    allowedHosts: [
      ...(flags.allowedHost ?? []),
      ...readAllowedHostsVariable(process.env.PORTICO_ALLOWED_HOSTS),
    ],
    plan: flags.plan,
    apiTimeoutSeconds: flags.apiTimeout,
    verbose: flags.verbose === true,
    logger,
    ...(flags.sandbox === undefined ? {} : { sandbox: flags.sandbox }),
    ...toDevServerMode(resolved, logger),
  };
}

/**
 * Dev-server mode from `appDevserverUrl`, `run` (to run in `appLocation`) and `devserverTimeout`, whether
 * they came from the file, the variables or the flags: mapped here, in one place, exactly as
 * `portico start <url> --run <command> --devserver-timeout <s>` passes them.
 */
function toDevServerMode(resolved: ResolvedStart, logger: Logger): Partial<DevServerOptions> {
  if (resolved.appDevserverUrl === undefined) {
    if (resolved.run === undefined) {
      return {};
    }
    // Beside a folder, as the SWA CLI: a build watcher writing into the folder served (which Portico
    // watches), started and left to run.
    logger.info(`running "${resolved.run}" in ${resolved.appLocation} beside the folder served`);
    return { run: resolved.run, runCwd: resolved.appLocation };
  }
  return {
    appDevserverUrl: resolved.appDevserverUrl,
    run: resolved.run,
    runCwd: resolved.appLocation,
    devserverTimeoutSeconds: resolved.devserverTimeoutSeconds,
    devserverTimeoutSetting: resolved.devserverTimeoutSetting,
  };
}

/** `PORTICO_ALLOWED_HOSTS`, added to `--allowed-host`; a bad name is a usage error naming the variable. */
function readAllowedHostsVariable(value: string | undefined): string[] {
  try {
    return parseAllowedHosts(value ?? '', [], 'PORTICO_ALLOWED_HOSTS');
  } catch (error) {
    throw new PorticoError('CLI_USAGE', error instanceof Error ? error.message : String(error));
  }
}

function reportResolution(resolved: ResolvedStart, logger: Logger): void {
  for (const note of resolved.notes) {
    logger.info(note);
  }
  for (const warning of resolved.warnings) {
    logger.warn(warning);
  }
}

async function loadCertificate(resolved: ResolvedStart, logger: Logger): Promise<DevServerOptions['tls']> {
  const certificate = await resolveCertificate({
    certFile: resolved.sslCert,
    keyFile: resolved.sslKey,
    cacheDir: userCacheDir(process.env),
  });
  if (certificate.origin !== 'given') {
    const verb = certificate.origin === 'generated' ? 'generated' : 'reused';
    logger.info(
      `--ssl: ${verb} a self-signed certificate for localhost, 127.0.0.1 and ::1 (${certificate.certFile}); browsers will warn until you trust it. Never use it outside development.`,
    );
  }
  return certificate;
}

/**
 * Builds a TypeScript API that needs it and starts its `watch` script. Imported only with `--api`, so a
 * static folder's start never loads tinyglobby and its globbing (decision 0024).
 */
async function prepareApiBuild(apiDir: string, logger: Logger): Promise<ApiBuildWatch | undefined> {
  const { prepareApiBuild: prepare } = await import('../../functions-host/build-scripts.js');
  return prepare({ apiDir, logger });
}

function describeApi(resolved: ResolvedStart): string {
  if (resolved.apiDir !== undefined) {
    return `/api → managed functions in ${relative(process.cwd(), resolved.apiDir) || '.'}`;
  }
  return resolved.apiDevserverUrl === undefined ? 'no /api backend' : `/api → ${resolved.apiDevserverUrl}`;
}

function describeServed(server: DevServer): string {
  const config =
    server.configFile === undefined
      ? 'no staticwebapp.config.json'
      : relative(process.cwd(), server.configFile);
  if (server.devServerUrl !== undefined) {
    return `Serving the dev server at ${server.devServerUrl} with ${config}; Ctrl-C to stop.`;
  }
  return `Serving ${relative(process.cwd(), server.appDir) || '.'} (${countOf(server.fileCount, 'file')}) with ${config}; Ctrl-C to stop.`;
}

/**
 * Runs until a signal (the listener aborts) or the --run command exiting by itself (then with its exit
 * code); either closes everything, the functions host first. A second signal during the stop exits at
 * once, killing the --run command's process group and the functions workers (decision 0093).
 */
function serveUntilStopped(
  started: { server: DevServer; close(): Promise<void> },
  stop: StopListener,
): Promise<void> {
  return new Promise((resolve) => {
    let stopping = false;
    const close = (exitCode?: number) => {
      if (stopping) {
        return;
      }
      stopping = true;
      stop.markStopping();
      if (exitCode !== undefined) {
        process.exitCode = exitCode;
      }
      void started.close().then(resolve);
    };
    // Left listening after the stop: a signal while the last handles close still exits at once.
    if (stop.signal.aborted) {
      close();
    }
    stop.signal.addEventListener('abort', () => close(), { once: true });
    void started.server.commandExited.then((code) => {
      if (!stop.signal.aborted) {
        close(code);
      }
    });
  });
}
