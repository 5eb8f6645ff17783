import { relative } from 'node:path';
import type { Diagnostic } from './types.js';

/** Options of {@link formatDiagnostics}. */
export interface FormatDiagnosticsOptions {
  /** Show files relative to this folder instead of as absolute paths. */
  readonly baseDir?: string;
}

/**
 * One line per diagnostic, for terminals and logs:
 * `error: staticwebapp.config.json: routes[2].statusCode: <message>`. The file and path parts are left out
 * when unknown or empty.
 *
 * @example
 * process.stderr.write(`${formatDiagnostics(result.diagnostics, { baseDir: appDir })}\n`);
 */
export function formatDiagnostics(
  diagnostics: readonly Diagnostic[],
  options: FormatDiagnosticsOptions = {},
): string {
  return diagnostics.map((diagnostic) => formatDiagnostic(diagnostic, options)).join('\n');
}

function formatDiagnostic(diagnostic: Diagnostic, options: FormatDiagnosticsOptions): string {
  const file = diagnostic.file === undefined ? undefined : displayFile(diagnostic.file, options.baseDir);
  const location = [file, diagnostic.path].filter((part) => part !== undefined && part !== '');
  return [`${diagnostic.severity}:`, ...location.map((part) => `${part}:`), diagnostic.message].join(' ');
}

function displayFile(file: string, baseDir: string | undefined): string {
  if (baseDir === undefined) {
    return file;
  }
  return relative(baseDir, file) || file;
}
