/**
 * Turns what went wrong while loading user code into a message that says what to do (issue 3, "Clear
 * errors for common mistakes"): missing dependencies, syntax errors with file and line, duplicate names.
 */
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, relative, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { errorMessage, isRecord } from '../../shared/guards.js';
import { DuplicateFunctionError, WorkerLoadError } from './errors.js';

/**
 * How a load error speaks to its reader: `dev` to someone at `portico start` (or `functions start`), who
 * can run npm in the API folder; `deployed` to a tenant of `portico serve`, who can only deploy again.
 */
export type LoadErrorAudience = 'dev' | 'deployed';

/** Wraps an error thrown while loading `file` (absolute) of the app in `appDir`. */
export function describeLoadError(
  error: unknown,
  file: string,
  appDir: string,
  audience: LoadErrorAudience = 'dev',
): WorkerLoadError {
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
    return missingModuleError(error, missing, { shown, appDir, audience });
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

interface MissingContext {
  /** The entry point or script being loaded, relative to the API folder. */
  readonly shown: string;
  readonly appDir: string;
  readonly audience: LoadErrorAudience;
}

function missingModuleError(error: unknown, specifier: string, context: MissingContext): WorkerLoadError {
  const { shown, appDir } = context;
  const requirer = requiringFile(error, appDir) ?? shown;
  const loading = requirer === shown ? '' : ` (while loading "${shown}")`;
  if (!isPackageSpecifier(specifier)) {
    return new WorkerLoadError(
      'FUNCTIONS_MODULE_NOT_FOUND',
      `"${requirer}" imports "${specifier}", which does not exist${loading}. Check the path, and that the file is deployed (not left out by .funcignore).`,
      { cause: error },
    );
  }
  const name = packageName(specifier);
  const hasModules = existsSync(join(appDir, 'node_modules'));
  const where = hasModules ? 'which node_modules does not hold' : 'and there is no node_modules folder';
  return new WorkerLoadError(
    'FUNCTIONS_DEPENDENCIES_MISSING',
    `"${requirer}" requires the package "${name}", ${where}${loading}. ${missingPackageRemedy(name, requirer, hasModules, context)}`,
    { cause: error },
  );
}

/** What to do about a package that is not installed, for whoever reads it (see {@link LoadErrorAudience}). */
function missingPackageRemedy(
  name: string,
  requirer: string,
  hasModules: boolean,
  { appDir, audience }: MissingContext,
): string {
  // A package that another package requires is that package's business; the app's own imports must be listed.
  const unlisted = !requirer.startsWith(`node_modules${sep}`) && !listsDependency(appDir, name);
  if (audience === 'dev') {
    return unlisted
      ? `Add it to the API's dependencies: run npm install ${name} in the API folder.`
      : 'Run npm install in the API folder.';
  }
  if (unlisted) {
    return `Add "${name}" to "dependencies" in the API's package.json, then deploy again.`;
  }
  return hasModules
    ? 'The deployed node_modules folder is incomplete: check that .funcignore leaves none of it out, then deploy again with node_modules complete, or without node_modules so that Portico installs what package.json lists.'
    : 'Deploy again: Portico installs what package.json lists when the deploy holds no node_modules folder.';
}

/** True when the API's package.json lists `name` among its dependencies (of any kind). */
function listsDependency(appDir: string, name: string): boolean {
  try {
    const pkg: unknown = JSON.parse(
      readFileSync(join(appDir, 'package.json'), 'utf8').replace(/^\uFEFF/, ''),
    );
    return (
      isRecord(pkg) &&
      ['dependencies', 'optionalDependencies', 'peerDependencies', 'devDependencies'].some((field) => {
        const listed = pkg[field];
        return isRecord(listed) && Object.hasOwn(listed, name);
      })
    );
  } catch {
    return false;
  }
}

/**
 * The file whose require or import failed, relative to the API folder: the first of a CommonJS error's
 * require stack, or the file an ES module error names ("imported from …"). Undefined when it is not one
 * of the app's files.
 */
function requiringFile(error: unknown, appDir: string): string | undefined {
  const stack = isRecord(error) && Array.isArray(error.requireStack) ? error.requireStack : [];
  const cjs = typeof stack[0] === 'string' ? stack[0] : undefined;
  const esm = / imported from (\S+)$/m.exec(errorMessage(error))?.[1];
  const path = cjs ?? (esm?.startsWith('file://') ? fileURLToPath(esm) : esm);
  if (path === undefined || !isAbsolute(path)) {
    return undefined;
  }
  const inApp = relative(appDir, path);
  return inApp === '' || inApp.startsWith('..') || isAbsolute(inApp) ? undefined : inApp;
}

/**
 * `text` with every mention of the API folder's absolute path made relative to it: what the worker
 * reports goes to a deploy's output and logs, where the server's own folders must never show (a stack's
 * `/srv/portico/…/src/x.js:3` reads `src/x.js:3`).
 */
export function hideAppDir(text: string, appDir: string): string {
  const url = pathToFileURL(appDir).href;
  return text
    .replaceAll(`${url}/`, '')
    .replaceAll(`${appDir}${sep}`, '')
    .replaceAll(url, 'the API folder')
    .replaceAll(appDir, 'the API folder');
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
