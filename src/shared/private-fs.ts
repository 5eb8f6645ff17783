/**
 * Private files and folders: what `portico serve` creates under `--data` (the database, its key file,
 * the admin token, stored contents, materialised deployments) is readable by its own user only. Every
 * mode decision goes through here, so that a sandbox that must let another user read one folder changes
 * that folder's mode in one place instead of fighting a process-wide umask.
 */
import { chmodSync, closeSync, mkdirSync, openSync, statSync } from 'node:fs';
import { chmod, lstat, mkdir, open, readdir, stat } from 'node:fs/promises';
import { dirname } from 'node:path';

/** Mode of the folders Portico creates: the owner only. */
export const PRIVATE_DIR_MODE = 0o700;
/** Mode of the files Portico creates: the owner reads and writes. */
export const PRIVATE_FILE_MODE = 0o600;
/** The group and other bits that a private entry never has. */
const SHARED_BITS = 0o077;

/**
 * Creates `dir` and any missing parent with mode 0700 (an existing folder is left as it is). Parents are
 * made one by one from the nearest existing one rather than by Node's `recursive` mkdir, which never
 * returns for a path under a file system that answers ENOENT to every mkdir (`/proc/x`).
 */
export async function makePrivateDir(dir: string): Promise<void> {
  if (await madeOrFound(dir)) {
    return;
  }
  const parent = dirname(dir);
  if (parent === dir) {
    throw missingRoot(dir);
  }
  await makePrivateDir(parent);
  if (!(await madeOrFound(dir))) {
    throw missingRoot(dir);
  }
}

/** {@link makePrivateDir} for synchronous callers (opening the SQLite file). */
export function makePrivateDirSync(dir: string): void {
  if (madeOrFoundSync(dir)) {
    return;
  }
  const parent = dirname(dir);
  if (parent === dir) {
    throw missingRoot(dir);
  }
  makePrivateDirSync(parent);
  if (!madeOrFoundSync(dir)) {
    throw missingRoot(dir);
  }
}

/** True when `dir` was made or is a folder already; false when its parent is missing (ENOENT). */
async function madeOrFound(dir: string): Promise<boolean> {
  try {
    await mkdir(dir, { mode: PRIVATE_DIR_MODE });
    return true;
  } catch (error) {
    if (errorCode(error) === 'ENOENT') {
      return false;
    }
    if (errorCode(error) === 'EEXIST' && (await stat(dir)).isDirectory()) {
      return true;
    }
    throw error;
  }
}

function madeOrFoundSync(dir: string): boolean {
  try {
    mkdirSync(dir, { mode: PRIVATE_DIR_MODE });
    return true;
  } catch (error) {
    if (errorCode(error) === 'ENOENT') {
      return false;
    }
    if (errorCode(error) === 'EEXIST' && statSync(dir).isDirectory()) {
      return true;
    }
    throw error;
  }
}

function errorCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

function missingRoot(dir: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`ENOENT: no such file or directory, mkdir '${dir}'`), {
    code: 'ENOENT',
    syscall: 'mkdir',
    path: dir,
    errno: -2,
  });
}

/** Creates `file` empty with mode 0600 unless it exists, then takes group and other access away from it. */
export function touchPrivateFileSync(file: string): void {
  closeSync(openSync(file, 'a', PRIVATE_FILE_MODE));
  makeFilePrivateSync(file);
}

/**
 * Writes a new file that must not exist yet (`wx`), mode 0600, and flushes it to disk before returning.
 * Fails with `EEXIST` when the file is there.
 */
export async function writeNewPrivateFile(file: string, data: string | Buffer): Promise<void> {
  const handle = await open(file, 'wx', PRIVATE_FILE_MODE);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Flushes a folder's entries (a new or renamed file in it) to disk; a system without it is skipped. */
export async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r').catch(() => undefined);
  try {
    await handle?.sync().catch(() => undefined);
  } finally {
    await handle?.close();
  }
}

/**
 * Takes group and other access away from `path` (owner bits are kept, so executables stay executable).
 * A missing path or a symbolic link is left alone.
 */
export async function tighten(path: string): Promise<void> {
  const info = await lstat(path).catch(() => undefined);
  if (info === undefined || info.isSymbolicLink() || (info.mode & SHARED_BITS) === 0) {
    return;
  }
  await chmod(path, info.mode & 0o7700);
}

/** Sets an existing file's mode to 0600; a missing file is skipped. */
export function makeFilePrivateSync(file: string): void {
  try {
    chmodSync(file, PRIVATE_FILE_MODE);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw error;
    }
  }
}

/**
 * {@link tighten} on `dir` and on the entries `names` directly in it (a private folder hides what is
 * below); entries it does not name, which the operator may have put there, are left alone.
 */
export async function tightenFolder(dir: string, names: readonly string[]): Promise<void> {
  await tighten(dir);
  await Promise.all(names.map((name) => tighten(`${dir}/${name}`)));
}

/** {@link tighten} on `dir` and everything below it (what a child process such as npm wrote there). */
export async function tightenTree(dir: string): Promise<void> {
  await tighten(dir);
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  await Promise.all(
    entries.map((entry) =>
      entry.isDirectory() ? tightenTree(`${dir}/${entry.name}`) : tighten(`${dir}/${entry.name}`),
    ),
  );
}
