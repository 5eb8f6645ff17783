/**
 * Waiting for a dev server to answer: `--run` starts it, and Portico reports ready only once its URL
 * answers HTTP (any status). The wait ends early when the command exits, and at `--devserver-timeout`.
 */
import { PorticoError } from '../shared/errors.js';
import type { DevCommand } from './dev-command.js';

/** How often the URL is tried while the dev server starts. */
const PROBE_INTERVAL_MS = 200;

/** When the first "waiting" line is shown (a quick dev server never shows one), and then how often. */
const FIRST_NOTICE_MS = 5_000;
const NOTICE_EVERY_MS = 15_000;

/** Options of {@link waitForDevServer}. */
export interface WaitOptions {
  readonly url: string;
  readonly command: DevCommand;
  /** True once the dev server answers HTTP. */
  readonly probe: () => Promise<boolean>;
  readonly timeoutSeconds: number;
  /** Where the timeout was set when not by `--devserver-timeout` (`devserverTimeout in swa-cli.config.json`). */
  readonly timeoutSetting?: string;
  /** Receives a line after 5 s without an answer, then every 15 s, so a slow first compile is not silence. */
  readonly waiting?: (line: string) => void;
}

/**
 * Resolves once `probe` succeeds. Rejects with `CLI_DEVSERVER_EXITED` (carrying the command's exit code)
 * when the command exits first, or `CLI_DEVSERVER_TIMEOUT` after the timeout; both quote its last output.
 */
export async function waitForDevServer(options: WaitOptions): Promise<void> {
  const started = Date.now();
  const deadline = started + options.timeoutSeconds * 1000;
  let nextNotice = started + FIRST_NOTICE_MS;
  let exit: { code: number } | undefined;
  void options.command.exited.then((result) => {
    exit = result;
  });
  for (;;) {
    if (await options.probe()) {
      return;
    }
    if (exit !== undefined || options.command.hasExited()) {
      const code = (await options.command.exited).code;
      throw new PorticoError(
        'CLI_DEVSERVER_EXITED',
        `The dev server command exited with code ${code} before ${options.url} answered.${formatOutput(options.command)}`,
        { exitCode: code === 0 ? 1 : code },
      );
    }
    if (Date.now() >= deadline) {
      throw new PorticoError(
        'CLI_DEVSERVER_TIMEOUT',
        `The dev server did not answer at ${options.url} within ${options.timeoutSeconds} s. Check that "${options.command.command}" starts a server at exactly that URL (host, port, http/https), or allow more time ${describeMoreTime(options)}.${formatOutput(options.command)}`,
      );
    }
    if (Date.now() >= nextNotice) {
      const waited = Math.round((Date.now() - started) / 1000);
      options.waiting?.(`Waiting for ${options.url} to answer (${waited} s of ${options.timeoutSeconds} s)…`);
      nextNotice += NOTICE_EVERY_MS;
    }
    await Promise.race([delay(PROBE_INTERVAL_MS), options.command.exited]);
  }
}

/** Where more time is given: the setting that set the timeout, if a file or a variable did, and the flag. */
function describeMoreTime(options: WaitOptions): string {
  const flag = '--devserver-timeout <seconds>';
  return options.timeoutSetting === undefined
    ? `with ${flag}`
    : `by raising ${options.timeoutSetting} (${options.timeoutSeconds} now), or with ${flag}`;
}

function formatOutput(command: DevCommand): string {
  const lines = command.lastLines();
  return lines.length === 0
    ? ` "${command.command}" printed nothing.`
    : `\nLast output of "${command.command}":\n${lines.map((line) => `  ${line}`).join('\n')}`;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
