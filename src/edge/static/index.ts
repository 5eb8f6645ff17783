/**
 * Static file serving: a directory-backed file index, Content-Type resolution, and the `node:http`
 * serving hot path with conditional requests, ranges and compression.
 */
export { type CaseHintOptions, createCaseHint, type StaticMissListener } from './case-hint.js';
export {
  type CompressionCache,
  type CompressionCacheOptions,
  type CompressionStats,
  createCompressionCache,
} from './compression-cache.js';
export { DEFAULT_CONTENT_TYPE, isCompressible, resolveContentType } from './content-type.js';
export {
  createDirectorySource,
  type DirectorySource,
  type DirectorySourceOptions,
} from './directory-source.js';
export type { Encoding } from './internal/accept-encoding.js';
export { createEtag } from './internal/file-entry.js';
export {
  DEFAULT_CACHE_CONTROL,
  isMissingFileError,
  MIN_COMPRESSIBLE_BYTES,
  type ServeOptions,
  sendBody,
  serveFile,
} from './serve.js';
