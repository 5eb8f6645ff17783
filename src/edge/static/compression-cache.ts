/**
 * On-the-fly compression that runs at most once per file version: compressed bodies are kept in a
 * bounded in-memory cache keyed by (encoding, path) and validated by ETag, and concurrent requests for
 * the same version share one compression.
 */
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';
import type { StaticFile } from '../types.js';
import type { Encoding } from './internal/accept-encoding.js';
import { BoundedBufferMap } from './internal/bounded-buffer-map.js';

/** Options of {@link createCompressionCache}. */
export interface CompressionCacheOptions {
  /** Total bytes of compressed bodies kept; the oldest entries go first. Default 64 MiB. */
  readonly maxBytes?: number;
  /** Larger files are sent uncompressed rather than compressed in memory. Default 8 MiB. */
  readonly maxSourceBytes?: number;
  /** Brotli quality 0–11. Default 5: most of the gain of 11 at a fraction of the CPU. */
  readonly brotliQuality?: number;
  /** Gzip level 1–9. Default 6. */
  readonly gzipLevel?: number;
}

/** Counters for tests, logs and benchmarks. */
export interface CompressionStats {
  /** Compressions actually run (cache misses that completed). */
  readonly compressions: number;
  /** Requests answered from a cached body. */
  readonly hits: number;
  readonly entries: number;
  readonly bytes: number;
}

/** A bounded cache of compressed file bodies; create one per file source (per site). */
export interface CompressionCache {
  /** Files above this size are never compressed on the fly. */
  readonly maxSourceBytes: number;
  /** The compressed bytes of `file`, compressing only when this version is not cached yet. */
  compress(file: StaticFile, encoding: Encoding): Promise<Buffer>;
  stats(): CompressionStats;
  /** Drops every cached body (counters are kept). */
  clear(): void;
}

type Compressor = (input: Buffer) => Promise<Buffer>;

const MIB = 1024 * 1024;
const brotliCompressAsync = promisify(brotliCompress);
const gzipAsync = promisify(gzip);

/**
 * Creates a compression cache. Brotli runs at quality 5 and gzip at level 6 by default, both on the
 * libuv thread pool, never blocking the event loop.
 *
 * @example
 * const compression = createCompressionCache({ maxBytes: 16 * 1024 * 1024 });
 * await serveFile(req, res, file, { contentType, compression });
 */
export function createCompressionCache(options: CompressionCacheOptions = {}): CompressionCache {
  const compressors = createCompressors(options.brotliQuality ?? 5, options.gzipLevel ?? 6);
  return new CompressionCacheImpl(
    options.maxBytes ?? 64 * MIB,
    options.maxSourceBytes ?? 8 * MIB,
    compressors,
  );
}

interface Entry {
  readonly etag: string;
  readonly body: Buffer;
}

class CompressionCacheImpl implements CompressionCache {
  readonly maxSourceBytes: number;
  readonly #compressors: Readonly<Record<Encoding, Compressor>>;
  readonly #entries: BoundedBufferMap<Entry>;
  readonly #pending = new Map<string, Promise<Buffer>>();
  #compressions = 0;
  #hits = 0;

  constructor(maxBytes: number, maxSourceBytes: number, compressors: Readonly<Record<Encoding, Compressor>>) {
    this.maxSourceBytes = maxSourceBytes;
    this.#compressors = compressors;
    this.#entries = new BoundedBufferMap(maxBytes);
  }

  compress(file: StaticFile, encoding: Encoding): Promise<Buffer> {
    const key = `${encoding}\0${file.path}`;
    const hit = this.#entries.get(key);
    if (hit?.etag === file.etag) {
      this.#hits++;
      return Promise.resolve(hit.body);
    }
    return this.#shared(key, file, encoding);
  }

  stats(): CompressionStats {
    const entries = this.#entries;
    return {
      compressions: this.#compressions,
      hits: this.#hits,
      entries: entries.size,
      bytes: entries.bytes,
    };
  }

  clear(): void {
    this.#entries.clear();
  }

  /** Joins a compression of the same version already running, or starts one. */
  #shared(key: string, file: StaticFile, encoding: Encoding): Promise<Buffer> {
    const pendingKey = `${key}\0${file.etag}`;
    let job = this.#pending.get(pendingKey);
    if (job === undefined) {
      job = this.#run(key, file, encoding).finally(() => this.#pending.delete(pendingKey));
      this.#pending.set(pendingKey, job);
    }
    return job;
  }

  async #run(key: string, file: StaticFile, encoding: Encoding): Promise<Buffer> {
    const body = await this.#compressors[encoding](await file.read());
    this.#compressions++;
    this.#entries.set(key, { etag: file.etag, body });
    return body;
  }
}

function createCompressors(brotliQuality: number, gzipLevel: number): Record<Encoding, Compressor> {
  return {
    br: (input) =>
      brotliCompressAsync(input, {
        params: {
          [constants.BROTLI_PARAM_QUALITY]: brotliQuality,
          [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
          [constants.BROTLI_PARAM_SIZE_HINT]: input.length,
        },
      }),
    gzip: (input) => gzipAsync(input, { level: gzipLevel }),
  };
}
