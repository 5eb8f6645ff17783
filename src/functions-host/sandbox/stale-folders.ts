/**
 * The private folders a server makes for its workers (`portico-fn-…`), for the programs it runs for a
 * tenant (`portico-run-…`) and for a functions host's Unix sockets (`portico-sock-…`) carry their owner
 * in their name: `portico-fn-<pid>.<start>-XXXXXX`, the pid of the process that made them and its start
 * time (from `/proc/<pid>/stat`, so that a reused pid is not taken for the owner). A normal stop removes
 * them; a server killed outright (kill -9, the OOM killer, a power cut) cannot, and the next start of any
 * Portico removes those whose owner is gone, never one of a server (or `portico start`) still running
 * (decision 0113).
 */
import { lstat, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { errorMessage } from '../../shared/guards.js';
import type { Logger } from '../../shared/logger.js';
import { isProcessRunning } from '../../shared/process-alive.js';

/**
 * `portico-fn-<pid>.<start>-<mkdtemp's 6 characters>` (or `-run-`, `-sock-`); `x` when the start time is
 * unknown (no /proc).
 */
const OWNED_NAME = /^portico-(?:fn|run|sock)-(\d+)\.(\d+|x)-[A-Za-z0-9]{6}$/;

/** Where the folders may be: the temp folder, and the ones a uid per site without bubblewrap falls back to. */
export function privateFolderBases(): string[] {
  return [tmpdir(), '/tmp', '/var/tmp'];
}

let ownTag: Promise<string> | undefined;

/** The mkdtemp prefix of a private folder of this process under `base`: `<base>/portico-fn-<pid>.<start>-`. */
export async function privateFolderPrefix(base: string, kind: 'fn' | 'run' | 'sock'): Promise<string> {
  ownTag ??= startTimeOf(process.pid).then((start) => `${process.pid}.${start ?? 'x'}`);
  return join(base, `portico-${kind}-${await ownTag}-`);
}

/** What {@link sweepStaleFolders} did. */
export interface SweepResult {
  /** Removed, with the pid of the process that had made each. */
  readonly removed: readonly { readonly path: string; readonly ownerPid: number }[];
  /** Left because removing failed, with the reason. */
  readonly failed: readonly { readonly path: string; readonly reason: string }[];
}

/**
 * Removes the private folders under `bases` whose owner process is gone: its pid is not running, or runs
 * a process started at another time (a reused pid). Only real folders of this user are touched, never a
 * symbolic link or another user's folder of the same name.
 */
export async function sweepStaleFolders(
  bases: readonly string[] = privateFolderBases(),
): Promise<SweepResult> {
  const removed: { path: string; ownerPid: number }[] = [];
  const failed: { path: string; reason: string }[] = [];
  for (const base of new Set(bases)) {
    for (const name of await readdir(base).catch(() => [])) {
      const owner = OWNED_NAME.exec(name);
      const path = join(base, name);
      if (
        owner === null ||
        (await isRunning(Number(owner[1]), owner[2] ?? 'x')) ||
        !(await isOwnFolder(path))
      ) {
        continue;
      }
      try {
        await rm(path, { recursive: true, force: true });
        removed.push({ path, ownerPid: Number(owner[1]) });
      } catch (error) {
        failed.push({ path, reason: errorMessage(error) });
      }
    }
  }
  return { removed, failed };
}

/** Whether process `pid` runs and, when `start` is known, is the one started then. */
async function isRunning(pid: number, start: string): Promise<boolean> {
  if (start !== 'x') {
    const current = await startTimeOf(pid);
    if (current !== undefined) {
      return current === start;
    }
    // The folder was made where /proc could be read: unreadable now means the process is gone.
    if ((await startTimeOf(process.pid)) !== undefined) {
      return false;
    }
  }
  return isProcessRunning(pid);
}

async function isOwnFolder(path: string): Promise<boolean> {
  const info = await lstat(path).catch(() => undefined);
  return info?.isDirectory() === true && info.uid === (process.getuid?.() ?? info.uid);
}

/**
 * Field 22 of `/proc/<pid>/stat` (the start time, in clock ticks after boot), or undefined without it; a
 * zombie (exited, not yet reaped by its parent) has none: it is gone. The command name (field 2, in
 * parentheses) may hold spaces and parentheses: fields are counted after its last `)`.
 */
async function startTimeOf(pid: number): Promise<string | undefined> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  // After the command name come field 3 (state) onwards: field 22 is at index 19.
  const fields = stat?.slice(stat.lastIndexOf(')') + 2).split(' ');
  const start = fields?.[19];
  return fields?.[0] !== 'Z' && start !== undefined && /^\d+$/.test(start) ? start : undefined;
}

/**
 * {@link sweepStaleFolders} at start, saying what it removed (one line per folder) and what it could not;
 * never fails the start.
 */
export async function sweepAtStart(logger: Logger, bases?: readonly string[]): Promise<SweepResult> {
  const result = await sweepStaleFolders(bases);
  for (const { path, ownerPid } of result.removed) {
    const what = basename(path).startsWith('portico-sock-')
      ? "a functions host's socket folder"
      : "a worker's private folder";
    logger.info(`functions: removed ${path}, ${what} left by process ${ownerPid}, which is gone`);
  }
  for (const { path, reason } of result.failed) {
    logger.warn(
      `functions: cannot remove ${path}, left by a process that is gone: ${reason}; remove it by hand`,
    );
  }
  return result;
}
