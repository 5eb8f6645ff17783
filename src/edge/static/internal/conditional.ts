/**
 * Conditional request evaluation (RFC 9110 §13) for GET and HEAD on static files.
 */
import type { IncomingHttpHeaders } from 'node:http';

/**
 * True when the client's cached copy is current, so a 304 is due. If-None-Match wins over
 * If-Modified-Since (RFC 9110 §13.2.2 steps 3 and 4).
 *
 * @param etag the ETag the response would carry (undefined when a header rule removed it)
 * @param lastModified the Last-Modified the response would carry, as an HTTP date
 */
export function isNotModified(
  headers: IncomingHttpHeaders,
  etag: string | undefined,
  lastModified: string | undefined,
): boolean {
  const ifNoneMatch = headers['if-none-match'];
  if (ifNoneMatch !== undefined) {
    return matchesIfNoneMatch(ifNoneMatch, etag);
  }
  const ifModifiedSince = headers['if-modified-since'];
  return ifModifiedSince !== undefined && isUnmodifiedSince(ifModifiedSince, lastModified);
}

/** If-None-Match with weak comparison: `*`, or any listed tag equal to `etag` ignoring `W/`. */
export function matchesIfNoneMatch(header: string, etag: string | undefined): boolean {
  if (header.trim() === '*') {
    return true;
  }
  if (etag === undefined) {
    return false;
  }
  const target = opaqueTag(etag);
  return header.split(',').some((tag) => opaqueTag(tag.trim()) === target);
}

/**
 * If-Range (RFC 9110 §13.1.5): true when the range may be honoured. Only a strong ETag equal to the
 * current one validates; a date form never does, so the full representation is sent instead.
 */
export function matchesIfRange(header: string | undefined, etag: string | undefined): boolean {
  if (header === undefined) {
    return true;
  }
  return etag !== undefined && !etag.startsWith('W/') && header.trim() === etag;
}

function isUnmodifiedSince(header: string, lastModified: string | undefined): boolean {
  if (lastModified === undefined) {
    return false;
  }
  const since = Date.parse(header);
  const modified = Date.parse(lastModified);
  return !Number.isNaN(since) && !Number.isNaN(modified) && modified <= since;
}

function opaqueTag(tag: string): string {
  return tag.startsWith('W/') ? tag.slice(2) : tag;
}
