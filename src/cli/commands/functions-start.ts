/**
 * `portico functions start <apiDir>`: serves an Azure Functions Node.js app on its own, routes under
 * `/api/...` (CONTRACT §2), for `portico start --api-devserver-url` users and "bring your own" Function
 * Apps. Prints one line with the URL when ready, then the functions; edits restart the worker; Ctrl-C or
 * SIGTERM stops it and its child process cleanly.
 */
import { isAbsolute, relative, resolve } from 'node:path';
import type { Command } from 'commander';
import {
  createFunctionsHost,
  DEFAULT_MAX_MEMORY_MB,
  describeFunctions,
  type FunctionsHost,
  type FunctionsHostInfo,
} from '../../functions-host/index.js';
import { countOf } from '../../shared/count.js';
import { createLogger, type Logger } from '../../shared/logger.js';
import { parseListenHost, parseMegabytes, parsePort } from '../options.js';

interface FunctionsStartFlags {
  port: number;
  host: string;
  maxMemory: number;
  /** `portico start`'s spelling of `--max-memory`; wins when both are given. */
  apiMaxMemory?: number;
}

/** Adds the `functions` command group and its `start` subcommand to the program. */
export function registerFunctionsCommands(program: Command): void {
  const functions = program.command('functions').description('Run Azure Functions apps on their own');
  functions
    .command('start')
    .description('Serve an Azure Functions Node.js app (v4 or v3 model) under /api, restarting it on changes')
    .argument('<apiDir>', 'the Functions app folder (holds host.json or package.json)')
    .option('--port <port>', 'port to listen on', parsePort, 7071)
    .option('--host <host>', 'address to listen on', parseListenHost, '127.0.0.1')
    .option('--max-memory <mb>', 'heap limit of the app process in MB', parseMegabytes, DEFAULT_MAX_MEMORY_MB)
    .option('--api-max-memory <mb>', 'the same as --max-memory (as portico start spells it)', parseMegabytes)
    .action((apiDir: string, flags: FunctionsStartFlags) => runFunctionsStart(apiDir, flags));
}

async function runFunctionsStart(apiDir: string, flags: FunctionsStartFlags): Promise<void> {
  const logger = createLogger({ write: (line) => process.stderr.write(`${line}\n`) });
  const host = createFunctionsHost({
    apiDir,
    port: flags.port,
    host: flags.host,
    maxMemoryMb: flags.apiMaxMemory ?? flags.maxMemory,
    useLocalSettings: true,
    nodeArgumentsFromSettings: true,
    watch: true,
    reportUrl: true,
    logger,
  });
  const signal = stopOnSignal(host);
  try {
    printReady(await host.start(), apiDir, logger);
  } catch (error) {
    if (signal.received) {
      return;
    }
    signal.dispose();
    throw error;
  }
  await signal.stopped;
}

function printReady(info: FunctionsHostInfo, apiDir: string, logger: Logger): void {
  process.stdout.write(
    `Portico functions host ready at ${info.url} (${countOf(info.functions.length, 'function')})\n`,
  );
  process.stdout.write(describeFunctions(info.functions));
  for (const warning of info.warnings) {
    logger.warn(warning);
  }
  process.stdout.write(`Watching ${displayPath(apiDir)} for changes; Ctrl-C to stop.\n`);
}

/** `apiDir` relative to the working directory when inside it, else absolute. */
function displayPath(apiDir: string): string {
  const path = relative(process.cwd(), resolve(apiDir));
  return path === '' ? '.' : path.startsWith('..') || isAbsolute(path) ? resolve(apiDir) : path;
}

interface SignalWatch {
  /** Resolves once a signal has been received and the host has closed. */
  readonly stopped: Promise<void>;
  readonly received: boolean;
  /** Removes the handlers (when start-up failed). */
  dispose(): void;
}

/** Installed before start-up, so Ctrl-C while the app loads still ends the worker cleanly. */
function stopOnSignal(host: FunctionsHost): SignalWatch {
  let received = false;
  let stop = (): void => {};
  const dispose = () => {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  };
  const stopped = new Promise<void>((resolve) => {
    stop = () => {
      received = true;
      dispose();
      void host.close().then(resolve);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  return {
    stopped,
    get received() {
      return received;
    },
    dispose,
  };
}
