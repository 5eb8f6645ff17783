/**
 * The {@link StaticFile} objects a directory source hands out: metadata from the walk, a strong ETag,
 * and reads that cache small files in memory for the lifetime of one index.
 */
import type { Readable } from 'node:stream';
import type { StaticFile } from '../../types.js';
import { openVerified } from './open-verified.js';
import type { WalkedFile } from './walk.js';

/** Files up to this size keep their contents in memory after the first `read()`. */
export const MAX_CACHED_FILE_BYTES = 1024 * 1024;

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
    stream: (range?: { start: number; end: number }) => openStream(file.realPath, range),
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

/** Every read goes through {@link openVerified}: a folder swapped for a symlink never leads outside. */
async function readNoFollow(realPath: string): Promise<Buffer> {
  const handle = await openVerified(realPath);
  try {
    return await handle.readFile();
  } finally {
    await handle.close();
  }
}

/** Opens (and checks) before resolving, so a refused file can still be answered 404 before any header. */
async function openStream(realPath: string, range?: { start: number; end: number }): Promise<Readable> {
  const handle = await openVerified(realPath);
  return handle.createReadStream({ start: range?.start, end: range?.end });
}
