/** Counts in messages. */

/**
 * `1 file`, `3 files`: a number and a noun with a regular plural.
 * @example countOf(1, 'function') // '1 function'
 */
export function countOf(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
