/**
 * `If-Match` (RFC 9110 §13.1.1): whether a write may go ahead on the version `current` (an entity tag).
 * The header lists tags separated by commas; `*` accepts any version.
 */
export function ifMatchAccepts(header: string, current: string): boolean {
  const tags = header.split(',').map((tag) => tag.trim());
  return tags.includes('*') || tags.includes(current);
}

/** Whether an `If-Match` header accepts any version (`*` among its tags). */
export function ifMatchIsAny(header: string): boolean {
  return header.split(',').some((tag) => tag.trim() === '*');
}
