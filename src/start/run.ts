/** `--run`: start the dev server command and wait for its URL; on any failure, nothing is left running. */
import { handleStopSignals, SIGNAL_EXIT_CODES } from '../shared/stop-signals.js';
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
}

/**
 * Starts the command and resolves once its dev server answers; rejects (after stopping the command's
 * whole process group) when it exits first or does not answer in time.
 */
export async function runDevServerCommand(options: RunOptions): Promise<DevCommand> {
  const command = startDevCommand({ command: options.command, cwd: options.cwd, output: options.output });
  const stopOnSignal = stopBeforeReady(command, options.output);
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
    stopOnSignal.remove();
  }
}

/**
 * Ctrl-C, SIGTERM or SIGHUP while the dev server starts (a slow first compile): the command was started in its
 * own process group, so neither reaches it, and Node's default action would end Portico without its
 * `exit` hook. Stops the group, then exits as the signal would have; a second signal exits at once, the
 * hook killing the group. Ready, `start` has its own handlers.
 */
function stopBeforeReady(command: DevCommand, say: (line: string) => void): { remove(): void } {
  return handleStopSignals({
    stop: (signal) => void command.stop().finally(() => process.exit(SIGNAL_EXIT_CODES[signal])),
    say,
  });
}
