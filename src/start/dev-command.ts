/**
 * `portico start <url> --run "<command>"`: the framework's dev server started in a shell, in a process
 * group of its own, so that stopping it stops everything it started (npm → node → esbuild…), however
 * Portico stops: Ctrl-C or SIGTERM, a failed start, or a crash (an `exit` hook: SIGTERM, or SIGKILL when
 * Portico exits during a stop, after a second Ctrl-C). Its output is shown
 * line by line with a `[run]` prefix, and the last lines are kept for error messages.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

/** How many output lines an error message quotes. */
const KEPT_LINES = 15;

/** How long the process group has after SIGTERM before it is killed. */
const STOP_GRACE_MS = 5_000;

/** How often the process group is checked while it stops. */
const STOP_POLL_MS = 50;

/** Options of {@link startDevCommand}. */
export interface DevCommandOptions {
  /** The command line, run by the system shell. */
  readonly command: string;
  readonly cwd?: string;
  /** Receives each output line, prefixed (`[run] …`). */
  readonly output: (line: string) => void;
}

/** How the command ended. */
export interface CommandExit {
  /** The exit code; 1 when it was ended by a signal it did not handle. */
  readonly code: number;
  readonly signal: NodeJS.Signals | null;
}

/** A running dev server command. */
export interface DevCommand {
  readonly command: string;
  /** Resolves when the command's shell exits, by itself or stopped. */
  readonly exited: Promise<CommandExit>;
  /** True once the shell has exited. */
  hasExited(): boolean;
  /** True once {@link DevCommand.stop} was called. */
  isStopping(): boolean;
  /** The last lines it printed (stdout and stderr interleaved as they came). */
  lastLines(): readonly string[];
  /** Stops the whole process group: SIGTERM, then SIGKILL after a grace period. Never rejects. */
  stop(): Promise<void>;
}

/** Starts `command` in a shell, in a new process group. */
export function startDevCommand(options: DevCommandOptions): DevCommand {
  const child = spawn(options.command, {
    shell: true,
    detached: process.platform !== 'win32',
    cwd: options.cwd,
    // As the SWA CLI: a dev server that opens a browser (Create React App) would open its own address,
    // not Portico's.
    env: { ...process.env, BROWSER: 'none' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const onLine = (line: string) => {
    lines.push(line);
    if (lines.length > KEPT_LINES) {
      lines.shift();
    }
    options.output(`[run] ${line}`);
  };
  readLines(child, onLine);
  let done = false;
  const exited = waitForExit(child, onLine).then((exit) => {
    done = true;
    return exit;
  });
  let stopping: Promise<void> | undefined;
  // Portico exiting while a stop is under way (a second Ctrl-C) must not leave a group that ignores SIGTERM.
  const killOnExit = () => signalGroup(child, stopping === undefined ? 'SIGTERM' : 'SIGKILL');
  process.once('exit', killOnExit);
  return {
    command: options.command,
    exited,
    hasExited: () => done,
    isStopping: () => stopping !== undefined,
    lastLines: () => [...lines],
    stop() {
      stopping ??= stopGroup(child, exited).finally(() => process.off('exit', killOnExit));
      return stopping;
    },
  };
}

function readLines(child: ChildProcess, onLine: (line: string) => void): void {
  for (const stream of [child.stdout, child.stderr]) {
    if (stream !== null) {
      createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY }).on('line', onLine);
    }
  }
}

function waitForExit(child: ChildProcess, onLine: (line: string) => void): Promise<CommandExit> {
  return new Promise((resolve) => {
    child.once('error', (error) => {
      onLine(`could not start the command: ${error.message}`);
      resolve({ code: 1, signal: null });
    });
    child.once('exit', (code, signal) => resolve({ code: code ?? 1, signal }));
  });
}

/** SIGTERM to the group, wait until it is empty, SIGKILL what is left after the grace period. */
async function stopGroup(child: ChildProcess, exited: Promise<CommandExit>): Promise<void> {
  if (child.pid === undefined) {
    return;
  }
  signalGroup(child, 'SIGTERM');
  if (!(await waitForGroupEnd(child, STOP_GRACE_MS))) {
    signalGroup(child, 'SIGKILL');
    await waitForGroupEnd(child, STOP_GRACE_MS);
  }
  // The shell itself is reaped by node; its 'exit' follows the group's end closely, but never waits long.
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([exited, new Promise((resolve) => (timer = setTimeout(resolve, STOP_GRACE_MS)))]);
  clearTimeout(timer);
}

/** Sends `signal` to the command's process group (its shell alone where groups do not exist). */
function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) {
    return;
  }
  try {
    if (process.platform === 'win32') {
      child.kill(signal);
    } else {
      process.kill(-child.pid, signal);
    }
  } catch {
    // The group is already gone.
  }
}

/** Resolves true once no process of the group is left, false when `timeoutMs` passed first. */
async function waitForGroupEnd(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isGroupAlive(child)) {
      return true;
    }
    await delay(STOP_POLL_MS);
  }
  return !isGroupAlive(child);
}

function isGroupAlive(child: ChildProcess): boolean {
  if (child.pid === undefined) {
    return false;
  }
  if (process.platform === 'win32') {
    return child.exitCode === null && child.signalCode === null;
  }
  try {
    process.kill(-child.pid, 0);
  } catch {
    return false;
  }
  return hasLiveMember(child.pid);
}

/**
 * Whether a process of group `pgid` is still running, not merely a zombie. Orphaned grandchildren are
 * re-parented to PID 1, and an init that does not reap (a container's) leaves them as zombies, which
 * still count for `kill(-pgid, 0)` although they hold no port. Linux only (`/proc`); elsewhere any member
 * counts.
 */
function hasLiveMember(pgid: number): boolean {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return true;
  }
  return entries.some((entry) => /^\d+$/.test(entry) && isLiveMember(entry, pgid));
}

function isLiveMember(pid: string, pgid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces and parentheses): state ppid pgrp …
    const [state, , group] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(group) === pgid && state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
