/**
 * `portico start [appDir | devServerUrl]`: the local static web app server (CONTRACT §2), in front of a
 * folder or of the framework's dev server. Prints one line with the URL when ready; Ctrl-C or SIGTERM
 * stops it (and the `--run` command) cleanly.
 */
import { relative } from 'node:path';
import { type Command, Option } from 'commander';
import { DEFAULT_DEVSERVER_TIMEOUT_SECONDS, type DevServer, startDevServer } from '../../main.js';
import { PorticoError } from '../../shared/errors.js';
import { createLogger } from '../../shared/logger.js';
import { parseHttpUrl, parseMegabytes, parsePort, parseSeconds } from '../options.js';

interface StartFlags {
  api?: string;
  apiDevserverUrl?: string;
  swaConfigLocation?: string;
  port: number;
  host: string;
  plan: 'free' | 'standard';
  apiTimeout: number;
  apiMaxMemory?: number;
  verbose?: boolean;
  run?: string;
  devserverTimeout: number;
}

/** Adds the `start` command to the program. */
export function registerStartCommand(program: Command): void {
  program
    .command('start')
    .description('Serve a static web app folder with staticwebapp.config.json, /.auth emulation and /api')
    .argument(
      '[appDir]',
      "folder with the built front end, or your framework's dev server URL (http://localhost:5173)",
      '.',
    )
    .option('--api <apiDir>', 'Azure Functions app folder to run as managed functions behind /api')
    .option('--api-devserver-url <url>', 'proxy /api/* to this URL instead', parseHttpUrl)
    .option(
      '--swa-config-location <dir>',
      'folder holding staticwebapp.config.json (default: appDir, or the current folder with a dev server URL)',
    )
    .option('--port <port>', 'port to listen on', parsePort, 4280)
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .addOption(
      new Option('--plan <plan>', 'hosting plan whose rules apply')
        .choices(['free', 'standard'])
        .default('standard'),
    )
    .option('--api-timeout <seconds>', 'limit of one /api request', parseSeconds, 45)
    .option(
      '--api-max-memory <mb>',
      'heap limit of the managed functions worker in MB (default 512)',
      parseMegabytes,
    )
    .option('--verbose', 'log one line per request')
    .option('--run <command>', 'command that starts the dev server given as the URL (e.g. "npm run dev")')
    .option(
      '--devserver-timeout <seconds>',
      'how long the --run command may take until the dev server URL answers',
      parseSeconds,
      DEFAULT_DEVSERVER_TIMEOUT_SECONDS,
    )
    .action((appDir: string, flags: StartFlags) => runStart(appDir, flags));
}

async function runStart(appDir: string, flags: StartFlags): Promise<void> {
  if (flags.api !== undefined && flags.apiDevserverUrl !== undefined) {
    throw new PorticoError(
      'CLI_USAGE',
      'Use either --api <apiDir> (Portico runs the Functions app) or --api-devserver-url <url> (you run it), not both.',
    );
  }
  const appDevserverUrl = /^https?:\/\//i.test(appDir) ? parseHttpUrl(appDir) : undefined;
  if (flags.run !== undefined && appDevserverUrl === undefined) {
    throw new PorticoError(
      'CLI_USAGE',
      `--run starts a dev server, so give its URL instead of a folder: portico start http://localhost:5173 --run "${flags.run}".`,
    );
  }
  const logger = createLogger({ write: (line) => process.stderr.write(`${line}\n`) });
  const server = await startDevServer({
    appDir,
    appDevserverUrl,
    run: flags.run,
    devserverTimeoutSeconds: flags.devserverTimeout,
    configDir: flags.swaConfigLocation,
    apiDevserverUrl: flags.apiDevserverUrl,
    apiDir: flags.api,
    apiMaxMemoryMb: flags.apiMaxMemory,
    port: flags.port,
    host: flags.host,
    plan: flags.plan,
    apiTimeoutSeconds: flags.apiTimeout,
    verbose: flags.verbose === true,
    logger,
  });
  const api = describeApi(flags);
  process.stdout.write(`Portico dev server ready at ${server.url} (${api}, ${flags.plan} plan)\n`);
  process.stdout.write(`${describeServed(server)}\n`);
  for (const fn of server.functions) {
    process.stdout.write(`  ${fn.methods?.join(',') ?? 'ALL'} /api/${fn.route} → ${fn.name}\n`);
  }
  await waitForSignal(server);
}

function describeApi(flags: StartFlags): string {
  if (flags.api !== undefined) {
    return `/api → managed functions in ${flags.api}`;
  }
  return flags.apiDevserverUrl === undefined ? 'no /api backend' : `/api → ${flags.apiDevserverUrl}`;
}

function describeServed(server: DevServer): string {
  const config =
    server.configFile === undefined
      ? 'no staticwebapp.config.json'
      : relative(process.cwd(), server.configFile);
  if (server.devServerUrl !== undefined) {
    return `Serving the dev server at ${server.devServerUrl} with ${config}; Ctrl-C to stop.`;
  }
  return `Serving ${relative(process.cwd(), server.appDir) || '.'} (${server.fileCount} files) with ${config}; Ctrl-C to stop.`;
}

/** Stops on Ctrl-C or SIGTERM, or when the --run command exits by itself (then with its exit code). */
function waitForSignal(server: DevServer): Promise<void> {
  return new Promise((resolve) => {
    const stop = (exitCode?: number) => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      if (exitCode !== undefined) {
        process.exitCode = exitCode;
      }
      void server.close().then(resolve);
    };
    const onSignal = () => stop();
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    void server.commandExited.then(stop);
  });
}
