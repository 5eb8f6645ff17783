/**
 * The API folder's functions as `portico start --api` runs them: local settings, a restart on every
 * change, and the sandbox only when asked (never a uid per site). The CLI starts them before it loads the
 * edge, so the worker boots while the edge's modules load (decision 0055).
 */
import { resolve } from 'node:path';
import { PorticoError } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import { resolveSandbox } from './sandbox/select.js';
import { sweepAtStart } from './sandbox/stale-folders.js';
import type { Sandbox, SandboxChoice } from './sandbox/types.js';
import { createFunctionsHost } from './supervisor.js';
import type { FunctionSummary, FunctionsHost } from './types.js';

/** What {@link startDevFunctions} needs of `portico start`'s options. */
export interface DevFunctionsOptions {
  /** The Azure Functions app folder (`--api`). */
  readonly apiDir: string;
  /** Heap limit of the worker, in MB (`--api-max-memory`). */
  readonly apiMaxMemoryMb?: number;
  /** `--func-args`' `--language-worker` options: they win over `languageWorkers__node__arguments`. */
  readonly apiNodeArguments?: readonly string[];
  /** `--sandbox`: unset runs the worker as the developer, with their environment (without PORTICO_*). */
  readonly sandbox?: SandboxChoice;
  readonly logger: Logger;
  /** Called once the worker process has been started, before it has loaded the app. */
  readonly onFirstSpawn?: () => void;
  /**
   * Aborted when `portico start` is asked to stop, in any state: the host is closed at once (before
   * anything else is stopped), so a worker that got the terminal's Ctrl-C and exits is not taken for a
   * crash and restarted; a start under way then rejects.
   */
  readonly stopSignal?: AbortSignal;
  /**
   * The app's `watch` script compiles its TypeScript sources: their edits restart nothing themselves, the
   * output the compiler writes does (one restart per edit, not two).
   */
  readonly apiCompiledByWatch?: boolean;
}

/** A TypeScript source (not a declaration file): what a watch compiler reads, never what the worker loads. */
function isTypeScriptSource(name: string): boolean {
  return /\.[mc]?tsx?$/.test(name) && !/\.d\.[mc]?ts$/.test(name);
}

/** The API's functions, loaded and answering in their worker. */
export interface DevFunctions {
  readonly host: FunctionsHost;
  readonly url: string;
  /** Where the edge connects (decision 0033), when the host has a Unix socket. */
  readonly socketPath: string | undefined;
  readonly functions: readonly FunctionSummary[];
}

/**
 * Loads the Functions app in its worker; rejects with the app's error, so a broken API fails the start
 * clearly.
 */
export async function startDevFunctions(options: DevFunctionsOptions): Promise<DevFunctions> {
  // The functions host checks the folder itself (exists, holds host.json or package.json).
  const apiDir = resolve(options.apiDir);
  const sandbox = await resolveDevSandbox(options.sandbox);
  if (options.stopSignal?.aborted === true) {
    throw new PorticoError('FUNCTIONS_UNAVAILABLE', 'portico start was stopped before the API started');
  }
  const host = createFunctionsHost({
    apiDir,
    port: 0,
    useLocalSettings: true,
    nodeArgumentsFromSettings: true,
    ...(options.apiNodeArguments === undefined ? {} : { nodeArguments: options.apiNodeArguments }),
    watch: true,
    ...(options.apiCompiledByWatch === true ? { ignoreChanges: isTypeScriptSource } : {}),
    maxMemoryMb: options.apiMaxMemoryMb,
    logger: options.logger,
    onFirstSpawn: options.onFirstSpawn,
    ...(sandbox === undefined ? {} : { sandbox }),
  });
  options.stopSignal?.addEventListener('abort', () => void host.close(), { once: true });
  if (sandbox !== undefined) {
    options.logger.info(`functions sandbox: ${sandbox.describe()}`);
  }
  // Folders an earlier sandboxed run (of this or another Portico) left when it was killed, while the
  // worker boots: never those of a run still going (decision 0113).
  const [info] = await Promise.all([host.start(), sweepAtStart(options.logger)]);
  for (const warning of info.warnings) {
    options.logger.warn(`api: ${warning}`);
  }
  return { host, url: info.url, socketPath: info.socketPath, functions: info.functions };
}

/**
 * `portico start --sandbox`: never a uid per site (that would hand the developer's API folder to another
 * group), nor a private network (the developer's functions call their own services on loopback: a local
 * database, another API); bubblewrap and the Node permission model as asked.
 */
async function resolveDevSandbox(choice: SandboxChoice | undefined): Promise<Sandbox | undefined> {
  if (choice === 'user') {
    throw new PorticoError(
      'FUNCTIONS_SANDBOX_INVALID',
      '--sandbox user is for portico serve (a uid per site); portico start runs your own folder: use --sandbox bubblewrap or --sandbox node. See docs/security.md.',
    );
  }
  if (choice === undefined) {
    return undefined;
  }
  return resolveSandbox({ choice, functionsUser: 'off', network: 'shared' });
}
