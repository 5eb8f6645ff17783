/**
 * The private folder of the app's Unix socket (decision 0033): made by `mkdtemp` (mode 0700, so only the
 * server's own user can reach the socket in it) under the system temp folder, and removed with the host.
 * Its name carries its owner (`portico-sock-<pid>.<start>-XXXXXX`), so that the next start removes it
 * when a killed server could not (decision 0113).
 */
import { rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { privateFolderPrefix } from './sandbox/stale-folders.js';

/** The socket's file name inside its folder. */
const SOCKET_NAME = 'api.sock';
/** The file name of the frame connections' socket (decision 0036), the longer of the two. */
const FRAME_SOCKET_NAME = 'api.frames.sock';

/**
 * Longest socket path used: Linux allows 107 bytes, macOS 103. A longer one (a deep `TMPDIR`) means
 * TCP loopback only.
 */
const MAX_SOCKET_PATH_BYTES = 100;

/** A private folder holding (once bound) the app's socket. */
export interface SocketDir {
  /** Where the listener binds the socket. */
  readonly socketPath: string;
  /** Where the listener binds the socket of the edge's frame connections (decision 0036). */
  readonly frameSocketPath: string;
  /** Removes the folder and whatever is left in it. */
  remove(): Promise<void>;
  /** {@link remove}, synchronously (when the process exits). */
  removeNow(): void;
}

/**
 * Creates the folder, or returns `undefined` where a Unix socket cannot be used: on Windows (named pipes
 * are another thing) and when the path would be too long for the system.
 */
export async function createSocketDir(base = tmpdir()): Promise<SocketDir | undefined> {
  if (process.platform === 'win32') {
    return undefined;
  }
  const prefix = await privateFolderPrefix(base, 'sock');
  // The random suffix of mkdtemp is 6 characters.
  if (Buffer.byteLength(join(`${prefix}XXXXXX`, FRAME_SOCKET_NAME)) > MAX_SOCKET_PATH_BYTES) {
    return undefined;
  }
  const dir = await mkdtemp(prefix);
  return {
    socketPath: join(dir, SOCKET_NAME),
    frameSocketPath: join(dir, FRAME_SOCKET_NAME),
    remove: () => rm(dir, { recursive: true, force: true }),
    removeNow: () => rmSync(dir, { recursive: true, force: true }),
  };
}
