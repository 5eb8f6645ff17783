/** Small text helpers shared by the parser, the matcher and the table. */

// One fold for the functions host and the edge's /api rules (shared/case-fold.ts).
export { foldCase } from '../../../shared/case-fold.js';

/** Removes every leading and trailing `/`. */
export function trimSlashes(text: string): string {
  return text.replace(/^\/+|\/+$/g, '');
}
