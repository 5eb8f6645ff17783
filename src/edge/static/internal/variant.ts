/**
 * Chooses which bytes answer a request: the file itself, a precompressed `<path>.br`/`<path>.gz`
 * sibling (served for any type, spec §6), or an on-the-fly compressed copy (compressible types only).
 */
import type { IncomingMessage } from 'node:http';
import type { FileSource, StaticFile } from '../../types.js';
import { type CompressionCache, createCompressionCache } from '../compression-cache.js';
import { isCompressible } from '../content-type.js';
import { ENCODINGS, type Encoding, negotiateEncoding } from './accept-encoding.js';

/** Smaller files are never compressed on the fly: the saving does not pay for the bytes of headers. */
export const MIN_COMPRESSIBLE_BYTES = 1024;

const SIBLING_EXTENSIONS: Readonly<Record<Encoding, string>> = { br: '.br', gzip: '.gz' };

/** The bytes chosen for this request: the file itself, a precompressed sibling, or a compressed copy. */
export interface Variant {
  /** The file whose bytes are sent (the sibling for precompressed variants). */
  readonly file: StaticFile;
  readonly encoding: Encoding | undefined;
  /** Set when the body comes from this compression cache rather than from `file`. */
  readonly compression: CompressionCache | undefined;
  readonly etag: string;
  /** True when other requests may get another coding of this URL (so `Vary: Accept-Encoding`). */
  readonly varies: boolean;
}

/** What {@link selectVariant} needs to know about the response. */
export interface VariantOptions {
  readonly contentType: string;
  readonly source?: FileSource;
  /** An explicit cache; `false` disables on-the-fly compression; omitted means the source's default. */
  readonly compression?: CompressionCache | false;
}

/**
 * One default compression cache per file source, for callers that pass `source` but no `compression`.
 * Keyed weakly, so a cache lives exactly as long as its source (one site), and no two sites share keys.
 */
const DEFAULT_CACHES = new WeakMap<FileSource, CompressionCache>();

/**
 * Picks identity, a precompressed sibling, or on-the-fly compression for this request. A GET with a
 * Range header on a 200 response always gets identity bytes, so resumed downloads work.
 */
export function selectVariant(
  req: IncomingMessage,
  file: StaticFile,
  options: VariantOptions,
  status: number,
): Variant {
  const compressible = isCompressible(options.contentType);
  const siblings = findSiblings(options.source, file);
  const compression = compressible ? resolveCompression(options) : undefined;
  const onTheFly = compression !== undefined && canCompressOnTheFly(file, compression);
  const available = ENCODINGS.filter((encoding) => onTheFly || siblings[encoding] !== undefined);
  const varies = compressible || available.length > 0;
  const encoding = wantsRange(req, status)
    ? undefined
    : negotiateEncoding(req.headers['accept-encoding'], available);
  if (encoding === undefined) {
    return { file, encoding, compression: undefined, etag: file.etag, varies };
  }
  const sibling = siblings[encoding];
  const served = sibling ?? file;
  return {
    file: served,
    encoding,
    compression: sibling === undefined ? compression : undefined,
    etag: etagVariant(served.etag, encoding),
    varies,
  };
}

/** The precompressed siblings of `file`; one older than the file is stale and ignored. */
function findSiblings(
  source: FileSource | undefined,
  file: StaticFile,
): Partial<Record<Encoding, StaticFile>> {
  if (source === undefined) {
    return {};
  }
  return { br: findSibling(source, file, 'br'), gzip: findSibling(source, file, 'gzip') };
}

function findSibling(source: FileSource, file: StaticFile, encoding: Encoding): StaticFile | undefined {
  const sibling = source.get(file.path + SIBLING_EXTENSIONS[encoding]);
  return sibling !== undefined && sibling.mtimeMs >= file.mtimeMs ? sibling : undefined;
}

function resolveCompression(options: VariantOptions): CompressionCache | undefined {
  if (options.compression !== undefined || options.source === undefined) {
    return options.compression === false ? undefined : options.compression;
  }
  let cache = DEFAULT_CACHES.get(options.source);
  if (cache === undefined) {
    cache = createCompressionCache();
    DEFAULT_CACHES.set(options.source, cache);
  }
  return cache;
}

function canCompressOnTheFly(file: StaticFile, compression: CompressionCache): boolean {
  return file.size >= MIN_COMPRESSIBLE_BYTES && file.size <= compression.maxSourceBytes;
}

/** A GET with Range gets identity bytes, so resumed downloads work even for compressible files. */
function wantsRange(req: IncomingMessage, status: number): boolean {
  return status === 200 && req.method === 'GET' && req.headers.range !== undefined;
}

/** `"1a-2b"` → `"1a-2b-br"`, keeping a `W/` prefix; each coding is a distinct representation. */
function etagVariant(etag: string, encoding: Encoding): string {
  return etag.endsWith('"') ? `${etag.slice(0, -1)}-${encoding}"` : `${etag}-${encoding}`;
}
