/**
 * Turns what went wrong while loading user code into a message that says what to do (issue 3, "Clear
 * errors for common mistakes"): missing dependencies, syntax errors with file and line, duplicate names.
 */
import { existsSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { errorMessage, isRecord } from '../../shared/guards.js';
import { DuplicateFunctionError, WorkerLoadError } from './errors.js';

/** Wraps an error thrown while loading `file` (absolute) of the app in `appDir`. */
export function describeLoadError(error: unknown, file: string, appDir: string): WorkerLoadError {
  if (error instanceof WorkerLoadError) {
    return error;
  }
  const shown = relative(appDir, file) || file;
  if (error instanceof DuplicateFunctionError) {
    return duplicateNameError(error.functionName, shown);
  }
  if (error instanceof SyntaxError) {
    return syntaxError(error, shown, appDir);
  }
  if (isRecord(error) && error.code === 'ERR_REQUIRE_ASYNC_MODULE') {
    return topLevelAwaitError(error, shown);
  }
  const missing = missingModule(error);
  if (missing !== undefined) {
    return missingModuleError(error, missing, shown, appDir);
  }
  return new WorkerLoadError(
    'FUNCTIONS_ENTRY_POINT_FAILED',
    `Loading "${shown}" failed: ${firstStackLines(error)}`,
    { cause: error },
  );
}

function topLevelAwaitError(error: unknown, shown: string): WorkerLoadError {
  return new WorkerLoadError(
    'FUNCTIONS_SYNTAX_ERROR',
    `"${shown}" uses top-level await, which a CommonJS file cannot: add "type": "module" to package.json ` +
      'or rename the file to .mjs.',
    { cause: error },
  );
}

/** The error for two functions with the same name (compared case-insensitively, as the host does). */
export function duplicateNameError(name: string, where?: string): WorkerLoadError {
  const place = where ? ` (registered again in "${where}")` : '';
  return new WorkerLoadError(
    'FUNCTIONS_DUPLICATE_NAME',
    `Two functions are named "${name}"${place}: function names must be unique, ignoring case. Rename one.`,
  );
}

function syntaxError(error: SyntaxError, shown: string, appDir: string): WorkerLoadError {
  const location = syntaxLocation(error, appDir);
  const where = location ?? `"${shown}"`;
  return new WorkerLoadError('FUNCTIONS_SYNTAX_ERROR', `Syntax error in ${where}: ${error.message}`, {
    cause: error,
  });
}

/** `file:line` from the first line of a parse error's stack (`/abs/file.js:3` or `file:///…:3`). */
function syntaxLocation(error: SyntaxError, appDir: string): string | undefined {
  const first = (error.stack ?? '').split('\n', 1)[0] ?? '';
  const match = /^(.+):(\d+)$/.exec(first.trim());
  if (!match?.[1] || !match[2]) {
    return undefined;
  }
  const path = match[1].startsWith('file://') ? fileURLToPath(match[1]) : match[1];
  return `${isAbsolute(path) ? relative(appDir, path) : path}:${match[2]}`;
}

function missingModule(error: unknown): string | undefined {
  if (!isRecord(error) || (error.code !== 'MODULE_NOT_FOUND' && error.code !== 'ERR_MODULE_NOT_FOUND')) {
    return undefined;
  }
  return /Cannot find (?:module|package) '([^']+)'/.exec(errorMessage(error))?.[1];
}

function isPackageSpecifier(specifier: string): boolean {
  return !specifier.startsWith('.') && !isAbsolute(specifier) && !specifier.startsWith('file:');
}

function missingModuleError(
  error: unknown,
  specifier: string,
  shown: string,
  appDir: string,
): WorkerLoadError {
  if (!isPackageSpecifier(specifier)) {
    return new WorkerLoadError(
      'FUNCTIONS_MODULE_NOT_FOUND',
      `"${shown}" imports "${specifier}", which does not exist: ${errorMessage(error).split('\n', 1)[0]}`,
      { cause: error },
    );
  }
  const noModules = existsSync(join(appDir, 'node_modules')) ? '' : ' (there is no node_modules folder)';
  return new WorkerLoadError(
    'FUNCTIONS_DEPENDENCIES_MISSING',
    `The dependencies are not installed in ${appDir}${noModules}: run npm install there. ` +
      `"${shown}" needs the package "${packageName(specifier)}".`,
    { cause: error },
  );
}

function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? specifier);
}

function firstStackLines(error: unknown): string {
  if (!(error instanceof Error)) {
    return String(error);
  }
  const lines = (error.stack ?? error.message).split('\n');
  return lines.slice(0, 4).join('\n');
}
