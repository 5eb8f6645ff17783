/**
 * Range requests (RFC 9110 §14): a single `bytes` range is honoured; anything else is ignored so the
 * full representation is sent, which the RFC allows.
 */

/** Inclusive byte offsets within the representation. */
export interface ByteRange {
  readonly start: number;
  readonly end: number;
}

/** Marker for a syntactically valid range that selects no byte (answered with 416). */
export const UNSATISFIABLE = 'unsatisfiable';

const SINGLE_BYTE_RANGE = /^bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i;

/**
 * Parses a Range header against a representation of `size` bytes.
 *
 * @returns the range to send; {@link UNSATISFIABLE}; or undefined to ignore the header (multiple
 *   ranges, another unit, bad syntax).
 * @example
 * parseRange('bytes=0-99', 1000); // { start: 0, end: 99 }
 * parseRange('bytes=-100', 1000); // { start: 900, end: 999 }
 * parseRange('bytes=2000-', 1000); // 'unsatisfiable'
 */
export function parseRange(header: string, size: number): ByteRange | typeof UNSATISFIABLE | undefined {
  const match = header.includes(',') ? null : SINGLE_BYTE_RANGE.exec(header);
  const first = match?.[1] ?? '';
  const last = match?.[2] ?? '';
  if (match === null || (first === '' && last === '')) {
    return undefined;
  }
  return first === '' ? suffixRange(Number(last), size) : offsetRange(Number(first), last, size);
}

/** `bytes=-n`: the last n bytes. */
function suffixRange(length: number, size: number): ByteRange | typeof UNSATISFIABLE {
  if (length === 0 || size === 0) {
    return UNSATISFIABLE;
  }
  return { start: Math.max(0, size - length), end: size - 1 };
}

/** `bytes=a-` or `bytes=a-b`; `b` is clamped to the last byte. */
function offsetRange(
  start: number,
  last: string,
  size: number,
): ByteRange | typeof UNSATISFIABLE | undefined {
  const end = last === '' ? Number.POSITIVE_INFINITY : Number(last);
  if (end < start) {
    return undefined;
  }
  return start >= size ? UNSATISFIABLE : { start, end: Math.min(end, size - 1) };
}
