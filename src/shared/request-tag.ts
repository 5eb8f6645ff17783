/**
 * The id a response carries (`x-ms-request-id`, set by `portico serve` on every request) as a log line
 * shows it, so that an operator finds the line a caller reports.
 */

/** The header that carries a request's id back to the caller. */
export const REQUEST_ID_HEADER = 'x-ms-request-id';

/**
 * ` (request <id>)` for a response that carries an id, else `''`.
 *
 * @example
 * logger.error(`/.auth${requestTag(res)}: the database cannot be reached`);
 */
export function requestTag(res: { getHeader(name: string): unknown }): string {
  const id = res.getHeader(REQUEST_ID_HEADER);
  return typeof id === 'string' ? ` (request ${id})` : '';
}
