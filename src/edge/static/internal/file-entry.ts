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
export function createFileEntry(file: WalkedFile, etag?: string): StaticFile {
  return Object.freeze(new FileEntry(file, etag));
}

/**
 * One indexed file. A class rather than an object of closures: an index holds one per file of the site
 * (thousands for a documentation site, in every site of a `portico serve`), and methods on a prototype
 * cost nothing per file.
 */
class FileEntry implements StaticFile {
  readonly path: string;
  readonly size: number;
  readonly mtimeMs: number;
  readonly etag: string;
  readonly #realPath: string;
  /** The contents of a small file once read; a failed read is forgotten so the next call retries. */
  #cached: Promise<Buffer> | undefined;

  constructor(file: WalkedFile, etag: string | undefined) {
    this.path = file.urlPath;
    this.size = file.size;
    this.mtimeMs = file.mtimeMs;
    this.etag = etag ?? createEtag(file.size, file.mtimeMs);
    this.#realPath = file.realPath;
  }

  read(): Promise<Buffer> {
    if (this.size > MAX_CACHED_FILE_BYTES) {
      return readNoFollow(this.#realPath);
    }
    this.#cached ??= readNoFollow(this.#realPath).catch((error: unknown) => {
      this.#cached = undefined;
      throw error;
    });
    return this.#cached;
  }

  stream(range?: { start: number; end: number }): Promise<Readable> {
    return openStream(this.#realPath, range);
  }
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
