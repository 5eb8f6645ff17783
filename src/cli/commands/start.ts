/**
 * `portico start [appDir]`: the local static web app server (CONTRACT §2). Prints one line with the URL
 * when ready; Ctrl-C or SIGTERM stops it cleanly.
 */
import { relative } from 'node:path';
import { type Command, Option } from 'commander';
import type { SandboxChoice } from '../../functions-host/index.js';
import { type DevServer, startDevServer } from '../../main.js';
import { PorticoError } from '../../shared/errors.js';
import { createLogger } from '../../shared/logger.js';
import { parseHttpUrl, parseMegabytes, parsePort, parseSandboxFlag, parseSeconds } from '../options.js';

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
  sandbox?: SandboxChoice;
}

/** Adds the `start` command to the program. */
export function registerStartCommand(program: Command): void {
  program
    .command('start')
    .description('Serve a static web app folder with staticwebapp.config.json, /.auth emulation and /api')
    .argument('[appDir]', 'folder with the built front end', '.')
    .option('--api <apiDir>', 'Azure Functions app folder to run as managed functions behind /api')
    .option('--api-devserver-url <url>', 'proxy /api/* to this URL instead', parseHttpUrl)
    .option('--swa-config-location <dir>', 'folder holding staticwebapp.config.json (default: appDir)')
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
    .option(
      '--sandbox <mechanism>',
      'run the functions worker sandboxed: auto, bubblewrap, node or none (default: none, as the developer; see docs/security.md)',
      parseSandboxFlag,
    )
    .option('--verbose', 'log one line per request')
    .action((appDir: string, flags: StartFlags) => runStart(appDir, flags));
}

async function runStart(appDir: string, flags: StartFlags): Promise<void> {
  if (flags.api !== undefined && flags.apiDevserverUrl !== undefined) {
    throw new PorticoError(
      'CLI_USAGE',
      'Use either --api <apiDir> (Portico runs the Functions app) or --api-devserver-url <url> (you run it), not both.',
    );
  }
  const logger = createLogger({ write: (line) => process.stderr.write(`${line}\n`) });
  const server = await startDevServer({
    appDir,
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
    ...(flags.sandbox === undefined ? {} : { sandbox: flags.sandbox }),
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
  return `Serving ${relative(process.cwd(), server.appDir) || '.'} (${server.fileCount} files) with ${config}; Ctrl-C to stop.`;
}

function waitForSignal(server: DevServer): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      void server.close().then(resolve);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
