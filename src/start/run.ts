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
  }
}
