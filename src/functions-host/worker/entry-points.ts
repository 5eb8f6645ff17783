/**
 * Entry points (spec §4): `package.json` `main` is a glob relative to the app root; every match is loaded,
 * in sorted order so runs are repeatable. `.mjs` or `type: module` files are imported, others required
 * (worker `loadScriptFile.ts`).
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { glob, isDynamicPattern } from 'tinyglobby';
import type { PackageJson } from './app-files.js';
import { WorkerLoadError } from './errors.js';

/** The absolute paths `pattern` matches under `appDir`, sorted; throws a clear error when none do. */
export async function resolveEntryPoints(appDir: string, pattern: string): Promise<string[]> {
  const matches = await glob(pattern, { cwd: appDir, onlyFiles: true, dot: false, expandDirectories: false });
  if (matches.length === 0) {
    throw new WorkerLoadError('FUNCTIONS_MAIN_NOT_FOUND', mainNotFoundMessage(appDir, pattern));
  }
  return matches.sort().map((match) => join(appDir, match));
}

function mainNotFoundMessage(appDir: string, pattern: string): string {
  const what = isDynamicPattern(pattern) ? 'matches no file' : 'does not exist';
  const base = `package.json "main" is "${pattern}", which ${what} in the API folder.`;
  if (pattern.includes('\\')) {
    // Azure's worker reads it the same way: a backslash is no separator in a glob, nor on Linux.
    return `${base} Write it with / separators ("${pattern.replaceAll('\\', '/')}"): a \\ separates folders on Windows only, and escapes in a pattern.`;
  }
  if (isBuildOutput(pattern) || existsSync(join(appDir, 'tsconfig.json'))) {
    return `${base} It points at compiled output that is missing: run npm run build in the API folder first.`;
  }
  return `${base} Point "main" at the files that register your functions (for example "src/functions/*.js").`;
}

function isBuildOutput(pattern: string): boolean {
  return /^(\.\/)?(dist|build|out|lib)\//.test(pattern);
}

/** True when the file is loaded as an ES module (`.mjs`, or `type: module` and not `.cjs`). */
export function isEsModule(file: string, packageJson: PackageJson): boolean {
  if (file.endsWith('.mjs')) {
    return true;
  }
  return !file.endsWith('.cjs') && packageJson.type === 'module';
}

/** Loads one script file and returns its exports (the module namespace for ES modules). */
export async function loadScriptFile(file: string, packageJson: PackageJson): Promise<unknown> {
  if (isEsModule(file, packageJson)) {
    return import(pathToFileURL(file).href);
  }
  return createRequire(import.meta.url)(file);
}
