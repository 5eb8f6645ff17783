/** `--run`: start the dev server command and wait for its URL; on any failure, nothing is left running. */
import { type DevCommand, startDevCommand } from './dev-command.js';
import { waitForDevServer } from './wait-ready.js';

/** Options of {@link runDevServerCommand}. */
export interface RunOptions {
  readonly command: string;
  /** Where the command runs (default: the current folder). */
  readonly cwd?: string;
  /** The dev server URL the command is expected to serve. */
  readonly url: string;
  readonly probe: () => Promise<boolean>;
  readonly timeoutSeconds: number;
  /** Receives the command's output lines, prefixed with `[run]`. */
  readonly output: (line: string) => void;
}

/**
 * Starts the command and resolves once its dev server answers; rejects (after stopping the command's
 * whole process group) when it exits first or does not answer in time.
 */
export async function runDevServerCommand(options: RunOptions): Promise<DevCommand> {
  const command = startDevCommand({ command: options.command, cwd: options.cwd, output: options.output });
  const stopOnSignal = stopBeforeReady(command);
  try {
    await waitForDevServer({
      url: options.url,
      command,
      probe: options.probe,
      timeoutSeconds: options.timeoutSeconds,
    });
    return command;
  } catch (error) {
    await command.stop();
    throw error;
  } finally {
    stopOnSignal.remove();
  }
}

/** The exit codes of a process ended by these signals, as a shell reports them. */
const SIGNAL_EXIT_CODES = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 } as const;

/**
 * Ctrl-C, SIGTERM or SIGHUP while the dev server starts (a slow first compile): the command was started in its
 * own process group, so neither reaches it, and Node's default action would end Portico without its
 * `exit` hook. Stops the group, then exits as the signal would have. Ready, `start` has its own handlers.
 */
function stopBeforeReady(command: DevCommand): { remove(): void } {
  const onSignal = (signal: keyof typeof SIGNAL_EXIT_CODES) => {
    void command.stop().finally(() => process.exit(SIGNAL_EXIT_CODES[signal]));
  };
  const signals = Object.keys(SIGNAL_EXIT_CODES) as (keyof typeof SIGNAL_EXIT_CODES)[];
  for (const signal of signals) {
    process.on(signal, onSignal);
  }
  return {
    remove: () => {
      for (const signal of signals) {
        process.off(signal, onSignal);
      }
    },
  };
}
