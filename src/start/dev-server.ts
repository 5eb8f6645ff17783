/**
 * What `portico start <url>` does around the dev server itself, apart from serving it: start the `--run`
 * command and wait for the URL (or, without `--run`, warn once when nothing answers yet), report a
 * command that exits by itself, and explain a port that cannot be used.
 */
import { explainListenError } from '../shared/listen-error.js';
import type { Logger } from '../shared/logger.js';
import { type DevCommand, startDevCommand } from './dev-command.js';
import { type RunOptions, runDevServerCommand } from './run.js';

/** The default of `--devserver-timeout`, in seconds. */
export const DEFAULT_DEVSERVER_TIMEOUT_SECONDS = 60;

/** The dev server as far as starting it is concerned. */
export interface DevServerTarget {
  readonly url: string;
  /** True once it answers HTTP at all. */
  probe(): Promise<boolean>;
}

/** Options of {@link startDevServerCommand}. */
export interface StartCommandOptions {
  /** `--run`; without it, nothing is started. */
  readonly run?: string;
  /** Where `run` runs (default: the current folder). */
  readonly cwd?: string;
  readonly timeoutSeconds?: number;
  /** Where the timeout was set when not by `--devserver-timeout`, named in the timeout's message. */
  readonly timeoutSetting?: string;
  /** Receives `[run]` lines (info) and the warning about a dev server that does not answer. */
  readonly logger: Logger;
  /** {@link RunOptions.stopSignal}: `start` was asked to stop while the command starts. */
  readonly stopSignal?: AbortSignal;
}

/**
 * With `--run`, starts the dev server command and waits for its URL. Without it, a dev server that does
 * not answer yet is only worth a warning: pages show a 502 that explains until it does.
 */
export async function startDevServerCommand(
  target: DevServerTarget,
  options: StartCommandOptions,
): Promise<DevCommand | undefined> {
  if (options.run === undefined) {
    void target.probe().then((ok) => {
      if (!ok) {
        options.logger.warn(
          `the dev server at ${target.url} does not answer yet; pages show a 502 until it does (or start it with --run "<command>").`,
        );
      }
    });
    return undefined;
  }
  if (await answersBeforeStart(target)) {
    options.logger.warn(
      `${target.url} already answered before "${options.run}" started: it may be another app's dev server (one left running, on the same port), and Portico would serve that app. Stop it, or give this app's dev server and its URL another port.`,
    );
  }
  return runDevServerCommand({
    command: options.run,
    cwd: options.cwd,
    url: target.url,
    probe: () => target.probe(),
    timeoutSeconds: options.timeoutSeconds ?? DEFAULT_DEVSERVER_TIMEOUT_SECONDS,
    ...(options.timeoutSetting === undefined ? {} : { timeoutSetting: options.timeoutSetting }),
    output: (line) => options.logger.info(line),
    waiting: (line) => options.logger.info(line),
    ...(options.stopSignal === undefined ? {} : { stopSignal: options.stopSignal }),
  });
}

/** How long the check for a stale dev server may take: one that accepts but never answers is not waited for. */
const STALE_PROBE_MS = 2_000;

/**
 * True when something answers at the URL before the command started: a dev server left running, or
 * another app's (Vite then moves the new one to the next port, and Portico would serve the old one).
 */
async function answersBeforeStart(target: DevServerTarget): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), STALE_PROBE_MS);
  });
  try {
    return await Promise.race([target.probe(), late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * `--run` beside a folder (a build watcher, as the SWA CLI allows): started in the folder it runs in,
 * without waiting for anything; its lines go to the log like a dev server command's.
 */
export function startFolderCommand(options: StartCommandOptions): DevCommand | undefined {
  if (options.run === undefined) {
    return undefined;
  }
  return startDevCommand({
    command: options.run,
    cwd: options.cwd,
    output: (line) => options.logger.info(line),
  });
}

/**
 * Resolves with the exit code of a `--run` command that exits by itself (not stopped by Portico): the dev
 * server is gone, so `start` stops. Beside a folder (`servesFolder`), a command that ends (a build that
 * finished, a watcher that failed) is reported and the folder is still served: never resolves then.
 */
export function watchCommandExit(
  command: DevCommand | undefined,
  logger: Logger,
  servesFolder = false,
): Promise<number> {
  if (command === undefined) {
    return new Promise(() => {});
  }
  return new Promise((resolve) => {
    void command.exited.then((exit) => {
      if (command.isStopping()) {
        return;
      }
      if (servesFolder) {
        const report = exit.code === 0 ? logger.info : logger.warn;
        report.call(logger, `the --run command exited with code ${exit.code}; still serving the folder.`);
        return;
      }
      logger.error(`the dev server command exited with code ${exit.code}; stopping.`);
      resolve(exit.code);
    });
  });
}

/** A port that is taken (or a `--host` that is not this machine's) is the user's to fix: say which, and how (CONTRACT §2). */
export function toListenError(error: unknown, port: number, host: string): unknown {
  return explainListenError(error, {
    port,
    host,
    portFlag: '--port',
    command: 'portico start',
    usualHolder: 'another portico start?',
  });
}
