/** Runs the built `portico` binary as a child process, the way users do. */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../bin/portico.js', import.meta.url));

export interface RunningCli {
  readonly child: ChildProcess;
  readonly url: string;
  stdout(): string;
  stderr(): string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * How long one CLI process may take, start-up included, on a busy 2-core machine: the default of
 * {@link runCli} and {@link startCli}, and what {@link timeoutFor} gives each process.
 */
export const CLI_PROCESS_BUDGET_MS = 10_000;

/**
 * The timeout of a test that runs `processes` CLI processes one after another (and `extraMs` for the
 * rest of its work), so that it never depends on how fast a process starts: it grows with the number of
 * processes instead of sharing the suite's 20 s among them.
 */
export function timeoutFor(processes: number, extraMs = 10_000): number {
  return extraMs + processes * CLI_PROCESS_BUDGET_MS;
}

/**
 * {@link timeoutFor} by name, for a `describe(name, { timeout: CLI_RUNS_TIMEOUT.three }, …)` whose tests
 * run at most that many CLI processes each (a test's own larger timeout still wins).
 */
export const CLI_RUNS_TIMEOUT = {
  one: timeoutFor(1),
  two: timeoutFor(2),
  three: timeoutFor(3),
  four: timeoutFor(4),
  five: timeoutFor(5),
  six: timeoutFor(6),
  seven: timeoutFor(7),
  eight: timeoutFor(8),
  nine: timeoutFor(9),
  ten: timeoutFor(10),
} as const;

/** Where and with which environment the CLI runs (default: this process's). */
export interface CliProcessOptions {
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
}

/** Starts `portico <args>` and resolves once it prints its ready URL; rejects if it exits first. */
export function startCli(
  args: string[],
  timeoutMs = CLI_PROCESS_BUDGET_MS,
  options: CliProcessOptions = {},
): Promise<RunningCli> {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], ...options });
  let out = '';
  let err = '';
  child.stdout?.on('data', (chunk) => {
    out += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    err += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`not ready in ${timeoutMs} ms: ${out}${err}`)),
      timeoutMs,
    );
    child.once('exit', (code) => reject(new Error(`exited with ${code} before ready: ${out}${err}`)));
    child.stdout?.on('data', () => {
      const match = /https?:\/\/[^\s)]+/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve({
          child,
          url: match[0],
          stdout: () => out,
          stderr: () => err,
          stop: (signal = 'SIGTERM') => {
            child.kill(signal);
            return exited;
          },
        });
      }
    });
  });
}

/** Runs `portico <args>` to completion and returns its exit code and output. */
export function runCli(
  args: string[],
  timeoutMs = CLI_PROCESS_BUDGET_MS,
  options: CliProcessOptions = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'], ...options });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => {
    stdout += chunk;
  });
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`still running after ${timeoutMs} ms: ${stdout}${stderr}`));
    }, timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
