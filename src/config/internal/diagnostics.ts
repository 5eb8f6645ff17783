import type { Diagnostic } from '../types.js';
import { formatJsonPath, type JsonPath } from './json-path.js';

/** An error-level diagnostic at `path`. */
export function createError(path: JsonPath, message: string): Diagnostic {
  return { severity: 'error', path: formatJsonPath(path), message };
}

/** A warning-level diagnostic at `path`. */
export function createWarning(path: JsonPath, message: string): Diagnostic {
  return { severity: 'warning', path: formatJsonPath(path), message };
}

/** Copies of `diagnostics` that name `file`; unchanged when `file` is undefined. */
export function attachFile(diagnostics: readonly Diagnostic[], file: string | undefined): Diagnostic[] {
  if (file === undefined) {
    return [...diagnostics];
  }
  return diagnostics.map((diagnostic) => ({ ...diagnostic, file }));
}

/** True when at least one diagnostic is an error. */
export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((diagnostic) => diagnostic.severity === 'error');
}
