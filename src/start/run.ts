/** `--run`: start the dev server command and wait for its URL; on any failure, nothing is left running. */
import { PorticoError } from '../shared/errors.js';
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
  /** Where the timeout was set when not by `--devserver-timeout`. */
  readonly timeoutSetting?: string;
  /** Receives the command's output lines, prefixed with `[run]`. */
  readonly output: (line: string) => void;
  /** Receives the lines that say Portico is still waiting (default: `output`). */
  readonly waiting?: (line: string) => void;
  /**
   * Aborted when `portico start` is asked to stop (Ctrl-C, SIGTERM, SIGHUP) while it waits: the command's
   * group is stopped and the wait ends (rejects). The command runs in its own process group, so the
   * terminal's Ctrl-C never reaches it; `start` owns the signals in every state (decision 0111).
   */
  readonly stopSignal?: AbortSignal;
}

/**
 * Starts the command and resolves once its dev server answers; rejects (after stopping the command's
 * whole process group) when it exits first or does not answer in time.
 */
export async function runDevServerCommand(options: RunOptions): Promise<DevCommand> {
  if (options.stopSignal?.aborted === true) {
    throw new PorticoError(
      'CLI_START_FAILED',
      'portico start was stopped before the dev server command started.',
    );
  }
  const command = startDevCommand({ command: options.command, cwd: options.cwd, output: options.output });
  const stop = () => void command.stop();
  options.stopSignal?.addEventListener('abort', stop, { once: true });
  try {
    await waitForDevServer({
      url: options.url,
      command,
      probe: options.probe,
      timeoutSeconds: options.timeoutSeconds,
      ...(options.timeoutSetting === undefined ? {} : { timeoutSetting: options.timeoutSetting }),
      waiting: options.waiting ?? options.output,
    });
    return command;
  } catch (error) {
    await command.stop();
    throw error;
  } finally {
    // Ready, the command is stopped with the rest of `start` (its `close()`).
    options.stopSignal?.removeEventListener('abort', stop);
  }
}
