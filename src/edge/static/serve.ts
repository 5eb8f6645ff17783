/**
 * Serves one static file over `node:http` directly (the hot-path exception of HOUSE-STYLE §2): default
 * headers (spec §10.8), header rules, conditional requests, single byte ranges, and gzip/brotli from
 * precompressed siblings or a compress-once cache (spec §6 "Serving behaviour").
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { errorMessage } from '../../shared/guards.js';
import { type Logger, SILENT_LOGGER } from '../../shared/logger.js';
import type { FileSource, StaticFile } from '../types.js';
import type { CompressionCache } from './compression-cache.js';
import { isNotModified, matchesIfRange } from './internal/conditional.js';
import { MAX_CACHED_FILE_BYTES } from './internal/file-entry.js';
import {
  applyHeaderOverrides,
  ensureVaryAcceptEncoding,
  formatLastModified,
  type HeaderMap,
  removeRepresentationHeaders,
} from './internal/headers.js';
import { type ByteRange, parseRange, UNSATISFIABLE } from './internal/range.js';
import { selectVariant, type Variant } from './internal/variant.js';

export { MIN_COMPRESSIBLE_BYTES } from './internal/variant.js';

/** Options of {@link serveFile}. */
export interface ServeOptions {
  /** Response status: 200 (default; also for a navigation fallback) or e.g. 404 for a custom error page. */
  readonly status?: number;
  /** From {@link resolveContentType}. */
  readonly contentType: string;
  /** Header rules applied last, case-insensitively; `""` removes a header (`{ etag: '' }`). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Where to look for precompressed siblings `<path>.br` and `<path>.gz`. */
  readonly source?: FileSource;
  /**
   * The cache for on-the-fly compression of compressible types. Omitted: a default cache (64 MiB)
   * owned by `source` is used, so passing `source` is enough; pass your own for other limits or stats.
   * `false`, or no `source` and no cache: only precompressed siblings are sent compressed.
   */
  readonly compression?: CompressionCache | false;
  /** Receives stream failures other than client aborts. */
  readonly logger?: Logger;
}

/** The default Cache-Control of static responses (spec §10.8, plus `public`). */
export const DEFAULT_CACHE_CONTROL = 'public, must-revalidate, max-age=30';

/** Error codes that mean the client went away, not that the server failed. */
const CLIENT_GONE_CODES: ReadonlySet<string> = new Set(['ERR_STREAM_PREMATURE_CLOSE', 'ECONNRESET', 'EPIPE']);

/**
 * Answers `req` with `file`.
 *
 * Resolves once the response is handed to Node. Rejects only when the body cannot be read before any
 * byte is written: with `ENOENT` when the file vanished or is no longer the indexed one (the caller
 * answers 404, see {@link isMissingFileError}), otherwise the caller can still answer 500; a failure
 * while streaming, including a client abort, destroys the response instead.
 *
 * @example
 * const file = source.get('/index.html');
 * if (file) {
 *   await serveFile(req, res, file, { contentType: resolveContentType(file.path, {}), source });
 * }
 */
export async function serveFile(
  req: IncomingMessage,
  res: ServerResponse,
  file: StaticFile,
  options: ServeOptions,
): Promise<void> {
  const status = options.status ?? 200;
  const variant = selectVariant(req, file, options, status);
  const headers = createHeaders(file, variant, options, status, res);
  if (
    status === 200 &&
    isSafeMethod(req.method) &&
    isNotModified(req.headers, headers.etag, headers['last-modified'])
  ) {
    return sendNotModified(res, headers);
  }
  const context: SendContext = { req, res, headers, logger: options.logger ?? SILENT_LOGGER };
  if (variant.encoding !== undefined) {
    headers['content-encoding'] = variant.encoding;
  }
  if (variant.compression !== undefined && variant.encoding !== undefined) {
    return sendBuffer(context, status, await variant.compression.compress(file, variant.encoding));
  }
  const range =
    variant.encoding === undefined && status === 200 ? resolveRange(req, headers, file.size) : undefined;
  return sendFile(context, status, variant.file, range);
}

/**
 * Writes a complete small response (error pages, messages). `headers` are applied like
 * {@link ServeOptions.headers}; HEAD requests get the headers only (Node drops the body).
 *
 * @example
 * sendBody(res, 404, '<h1>Not found</h1>', 'text/html; charset=utf-8', { 'Cache-Control': 'no-store' });
 */
export function sendBody(
  res: ServerResponse,
  status: number,
  body: string | Buffer,
  contentType: string,
  headers?: Readonly<Record<string, string>>,
): void {
  const out: HeaderMap = { 'content-type': contentType };
  if (headers !== undefined) {
    applyHeaderOverrides(out, headers, res);
  }
  if (status === 204 || status === 304) {
    removeRepresentationHeaders(out);
    res.writeHead(status, out);
    res.end();
    return;
  }
  const buffer = typeof body === 'string' ? Buffer.from(body) : body;
  out['content-length'] = String(buffer.length);
  res.writeHead(status, out);
  res.end(buffer);
}

function createHeaders(
  file: StaticFile,
  variant: Variant,
  options: ServeOptions,
  status: number,
  res: ServerResponse,
): HeaderMap {
  const headers: HeaderMap = {
    'content-type': options.contentType,
    etag: variant.etag,
    'last-modified': formatLastModified(variant.file.mtimeMs > file.mtimeMs ? variant.file : file),
    'cache-control': DEFAULT_CACHE_CONTROL,
  };
  if (status === 200 && variant.encoding === undefined) {
    headers['accept-ranges'] = 'bytes';
  }
  if (variant.varies) {
    headers.vary = 'Accept-Encoding';
  }
  if (options.headers !== undefined) {
    applyHeaderOverrides(headers, options.headers, res);
    if (variant.varies) {
      ensureVaryAcceptEncoding(headers);
    }
  }
  return headers;
}

function isSafeMethod(method: string | undefined): boolean {
  return method === 'GET' || method === 'HEAD';
}

/** The range to send, {@link UNSATISFIABLE}, or undefined for the whole file (RFC 9110 §14.2). */
function resolveRange(
  req: IncomingMessage,
  headers: HeaderMap,
  size: number,
): ByteRange | typeof UNSATISFIABLE | undefined {
  const header = req.headers.range;
  if (
    header === undefined ||
    req.method !== 'GET' ||
    !matchesIfRange(firstValue(req.headers['if-range']), headers.etag)
  ) {
    return undefined;
  }
  return parseRange(header, size);
}

interface SendContext {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly headers: HeaderMap;
  readonly logger: Logger;
}

function sendNotModified(res: ServerResponse, headers: HeaderMap): void {
  removeRepresentationHeaders(headers);
  res.writeHead(304, headers);
  res.end();
}

function sendUnsatisfiable(context: SendContext, size: number): void {
  const { headers, res } = context;
  removeRepresentationHeaders(headers);
  headers['content-range'] = `bytes */${size}`;
  headers['content-length'] = '0';
  res.writeHead(416, headers);
  res.end();
}

async function sendFile(
  context: SendContext,
  status: number,
  file: StaticFile,
  range: ByteRange | typeof UNSATISFIABLE | undefined,
): Promise<void> {
  if (range === UNSATISFIABLE) {
    return sendUnsatisfiable(context, file.size);
  }
  if (range !== undefined) {
    context.headers['content-range'] = `bytes ${range.start}-${range.end}/${file.size}`;
  }
  const partialStatus = range === undefined ? status : 206;
  if (context.req.method === 'HEAD') {
    return sendHead(context, partialStatus, range === undefined ? file.size : range.end - range.start + 1);
  }
  if (file.size <= MAX_CACHED_FILE_BYTES) {
    const content = await file.read();
    return sendBuffer(
      context,
      partialStatus,
      range === undefined ? content : content.subarray(range.start, range.end + 1),
    );
  }
  return sendStream(context, partialStatus, file, range);
}

function sendHead(context: SendContext, status: number, length: number): void {
  context.headers['content-length'] = String(length);
  context.res.writeHead(status, context.headers);
  context.res.end();
}

/** The fast path: one buffer, one `end()`. Node drops the body itself for HEAD. */
function sendBuffer(context: SendContext, status: number, body: Buffer): void {
  context.headers['content-length'] = String(body.length);
  context.res.writeHead(status, context.headers);
  context.res.end(body);
}

async function sendStream(
  context: SendContext,
  status: number,
  file: StaticFile,
  range: ByteRange | undefined,
): Promise<void> {
  const length = range === undefined ? file.size : range.end - range.start + 1;
  const body = await file.stream(range);
  context.headers['content-length'] = String(length);
  context.res.writeHead(status, context.headers);
  try {
    await pipeline(body, context.res);
  } catch (error) {
    logStreamFailure(context, file, error);
  }
}

/** A client going away mid-body is normal; anything else is worth a warning. */
function logStreamFailure(context: SendContext, file: StaticFile, error: unknown): void {
  const code = error instanceof Error && 'code' in error ? String(error.code) : '';
  if (CLIENT_GONE_CODES.has(code)) {
    context.logger.debug(`static: client closed the connection while ${file.path} was sent`);
    return;
  }
  const message = errorMessage(error);
  context.logger.warn(`static: sending ${file.path} failed: ${message}`);
}

/** Error codes of a read that found no file (or refused what it found) where the index had one. */
const MISSING_FILE_CODES: ReadonlySet<string> = new Set(['ENOENT', 'ENOTDIR', 'ELOOP']);

/**
 * True when {@link serveFile} rejected because the file is gone or was replaced (a symlink where the
 * index saw a file or folder); such a request is answered like a missing file.
 */
export function isMissingFileError(error: unknown): boolean {
  return error instanceof Error && 'code' in error && MISSING_FILE_CODES.has(String(error.code));
}

/** Node types headers it does not know as `string | string[]`; a repeated If-Range counts as its first. */
function firstValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
