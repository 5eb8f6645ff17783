/** How the functions of an app are listed to a developer: at start, and when a reload changes them. */
import type { FunctionSummary } from './types.js';

/**
 * One line per HTTP function, each ending with a newline: `  GET,POST /api/hello → hello`, and `ALL` for
 * a function that takes every method.
 */
export function describeFunctions(functions: readonly FunctionSummary[]): string {
  return functions
    .map((fn) => `  ${fn.methods === null ? 'ALL' : fn.methods.join(',')} /api/${fn.route} → ${fn.name}\n`)
    .join('');
}
