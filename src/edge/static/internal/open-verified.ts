/**
 * Opens an indexed file and proves that what was opened is that file. The walk resolved every folder on
 * the way once; between two index rebuilds a folder can be swapped for a symlink leading out of the app
 * folder, and `O_NOFOLLOW` only guards the last path component. So the check runs on the open
 * descriptor: on Linux the kernel's own name for it (`/proc/self/fd/<fd>`), elsewhere the file's
 * identity (device and inode) compared with the symlink-free path it must be.
 */
import { constants, type Stats } from 'node:fs';
import { type FileHandle, open, readlink, realpath, stat } from 'node:fs/promises';

const OPEN_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW;

/**
 * Opens `realPath` (absolute, symlink-free, as the walk found it) read-only. Rejects with an `ENOENT`
 * error when the descriptor is not the file at `realPath` any more (a folder on the path was replaced,
 * or the file was renamed away), so callers treat it as a missing file.
 */
export async function openVerified(realPath: string): Promise<FileHandle> {
  const handle = await open(realPath, OPEN_FLAGS);
  try {
    if (!(await isOpenedAt(handle, realPath))) {
      throw replacedError(realPath);
    }
    return handle;
  } catch (error) {
    await handle.close();
    throw error;
  }
}

async function isOpenedAt(handle: FileHandle, realPath: string): Promise<boolean> {
  // Without a mounted /proc (some containers), the identity check below still holds.
  const name =
    process.platform === 'linux'
      ? await readlink(`/proc/self/fd/${handle.fd}`).catch(() => undefined)
      : undefined;
  return name === undefined ? isSameFileAt(handle, realPath) : name === realPath;
}

/**
 * Without `/proc`: the path must still be symlink-free and name the very file that is open. A swap
 * back after the open is caught too, because the file found at the path then is a different one.
 */
async function isSameFileAt(handle: FileHandle, realPath: string): Promise<boolean> {
  const [opened, resolved] = await Promise.all([handle.stat(), realpath(realPath).catch(() => undefined)]);
  if (resolved !== realPath) {
    return false;
  }
  const current: Stats | undefined = await stat(realPath).catch(() => undefined);
  return current !== undefined && current.dev === opened.dev && current.ino === opened.ino;
}

function replacedError(realPath: string): NodeJS.ErrnoException {
  const error: NodeJS.ErrnoException = new Error(
    `${realPath} is no longer the indexed file (a folder on its path was replaced or moved); not serving it`,
  );
  error.code = 'ENOENT';
  return error;
}
