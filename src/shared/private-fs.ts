/**
 * Private files and folders: what `portico serve` creates under `--data` (the database, its key file,
 * the admin token, stored contents, materialised deployments) is readable by its own user only. Every
 * mode decision goes through here, so that a sandbox that must let another user read one folder changes
 * that folder's mode in one place instead of fighting a process-wide umask.
 */
import { chmodSync, closeSync, mkdirSync, openSync } from 'node:fs';
import { chmod, lstat, mkdir, open, readdir } from 'node:fs/promises';

/** Mode of the folders Portico creates: the owner only. */
export const PRIVATE_DIR_MODE = 0o700;
/** Mode of the files Portico creates: the owner reads and writes. */
export const PRIVATE_FILE_MODE = 0o600;
/** The group and other bits that a private entry never has. */
const SHARED_BITS = 0o077;

/** Creates `dir` and any missing parent with mode 0700 (an existing folder is left as it is). */
export async function makePrivateDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
}

/** {@link makePrivateDir} for synchronous callers (opening the SQLite file). */
export function makePrivateDirSync(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
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
