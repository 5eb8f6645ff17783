/**
 * The {@link StaticFile} objects a directory source hands out: metadata from the walk, a strong ETag,
 * and reads that cache small files in memory for the lifetime of one index.
 */
import { close, constants, createReadStream, open, read } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import type { StaticFile } from '../../types.js';
import type { WalkedFile } from './walk.js';

/** Files up to this size keep their contents in memory after the first `read()`. */
export const MAX_CACHED_FILE_BYTES = 1024 * 1024;

/**
 * Opens refuse a symlink put in place of an indexed file after the walk, so a swap between two index
 * rebuilds cannot redirect a read outside the root (the walk already resolved every parent directory).
 */
const OPEN_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW;

/**
 * `createReadStream`'s documented `fs` override, opening with {@link OPEN_FLAGS}: its typed `flags`
 * option only takes strings, and no string flag means O_NOFOLLOW.
 */
const NO_FOLLOW_FS = {
  open: (path: string, _flags: string, mode: number, callback: (error: Error | null, fd?: number) => void) =>
    open(path, OPEN_FLAGS, mode, callback),
  read,
  close,
};

/**
 * A strong ETag from size and modification time: `"<size hex>-<mtime ms hex>"`.
 *
 * @example
 * createEtag(6699, 1700000000000); // '"1a2b-18bcfe56800"'
 */
export function createEtag(size: number, mtimeMs: number): string {
  return `"${size.toString(16)}-${Math.floor(mtimeMs).toString(16)}"`;
}

/** Wraps a walked file as a frozen {@link StaticFile}; a new index builds new entries (fresh caches). */
export function createFileEntry(file: WalkedFile): StaticFile {
  return Object.freeze({
    path: file.urlPath,
    size: file.size,
    mtimeMs: file.mtimeMs,
    etag: createEtag(file.size, file.mtimeMs),
    read:
      file.size <= MAX_CACHED_FILE_BYTES
        ? createCachedRead(file.realPath)
        : () => readNoFollow(file.realPath),
    stream: (range?: { start: number; end: number }): Readable =>
      createReadStream(file.realPath, { fs: NO_FOLLOW_FS, start: range?.start, end: range?.end }),
  });
}

/** Reads once and shares the result; a failed read is forgotten so the next call retries. */
function createCachedRead(realPath: string): () => Promise<Buffer> {
  let cached: Promise<Buffer> | undefined;
  return () => {
    cached ??= readNoFollow(realPath).catch((error: unknown) => {
      cached = undefined;
      throw error;
    });
    return cached;
  };
}

function readNoFollow(realPath: string): Promise<Buffer> {
  return readFile(realPath, { flag: OPEN_FLAGS });
}
