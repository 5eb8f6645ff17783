import { isUtf8 } from 'node:buffer';
import type { Dirent } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { errorMessage } from '../shared/guards.js';
import { parseJsonText, SAVED_AS_UTF16 } from '../shared/json-text.js';
import { CONFIG_FILE_NAME, LEGACY_ROUTES_FILE_NAME, MAX_CONFIG_BYTES } from './constants.js';
import { deepFreeze } from './internal/deep-freeze.js';
import { hasErrors } from './internal/diagnostics.js';
import { parseConfigText } from './parse.js';
import { type ConfigResult, type Diagnostic, EMPTY_CONFIG } from './types.js';

/**
 * Finds, reads and parses an app's `staticwebapp.config.json` (configuration.md "File location"; the emulator's
 * `findSWAConfigFile`, but deterministic: the shallowest copy wins, not the last one found).
 */

/** A {@link ConfigResult} plus the absolute path of the file it came from, when one was found. */
export type LoadedConfig = ConfigResult & { readonly file?: string };

/** Where to look for the config. */
export interface LoadConfigOptions {
  /** The app's folder. */
  readonly appDir: string;
  /** Where the config lives (`--swa-config-location`); defaults to `appDir`. */
  readonly configDir?: string;
  /**
   * Folders below `configDir` not searched: in dev-server mode, the build output (`outputLocation`),
   * whose copy of the config is an old one while the developer edits the source's.
   */
  readonly skipDirs?: readonly string[];
}

interface FoundConfig {
  readonly file: string;
  readonly diagnostics: readonly Diagnostic[];
}

/**
 * Loads the config of an app. Looks for the file at the root of `configDir` first, otherwise anywhere below it
 * (skipping `node_modules` and `.git*`). Without a file the app gets {@link EMPTY_CONFIG}. Never throws: a
 * missing folder, read failures and oversized files are error diagnostics. The result is deeply frozen.
 *
 * @example
 * const loaded = await loadConfig({ appDir: 'dist' });
 * if (!loaded.ok) throw new PorticoError('CONFIG_INVALID', formatDiagnostics(loaded.diagnostics));
 */
export async function loadConfig(options: LoadConfigOptions): Promise<LoadedConfig> {
  const dir = resolve(options.configDir ?? options.appDir);
  if (!(await isDirectory(dir))) {
    return deepFreeze({ ok: false, diagnostics: [missingFolderError(dir)] });
  }
  const skipped = new Set((options.skipDirs ?? []).map((d) => resolve(d)));
  const found = await findConfigFile(dir, skipped);
  if (found === undefined) {
    const [misnamed] = await findNestedConfigFiles(dir, skipped, isMisnamedConfigFile);
    if (misnamed !== undefined) {
      return deepFreeze({ ok: false, diagnostics: [misnamedError(misnamed)] });
    }
    const legacy = await checkLegacyRoutes([dir], false);
    return deepFreeze(
      hasErrors(legacy)
        ? { ok: false, diagnostics: legacy }
        : { ok: true, config: EMPTY_CONFIG, diagnostics: legacy },
    );
  }
  const legacy = await checkLegacyRoutes([dir, dirname(found.file)], true);
  const parsed = await readConfigFile(found.file);
  return deepFreeze(combine(found.file, [...found.diagnostics, ...legacy], parsed));
}

function combine(file: string, extra: readonly Diagnostic[], parsed: ConfigResult): LoadedConfig {
  const diagnostics = [...extra, ...parsed.diagnostics];
  if (!parsed.ok || hasErrors(diagnostics)) {
    return { ok: false, diagnostics, file };
  }
  return { ok: true, config: parsed.config, diagnostics, file };
}

async function isFile(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}

async function isDirectory(dir: string): Promise<boolean> {
  try {
    return (await stat(dir)).isDirectory();
  } catch {
    return false;
  }
}

/** A missing folder is an error rather than "no config", so a mistyped location never serves without rules. */
function missingFolderError(dir: string): Diagnostic {
  const message = `is not a folder Portico can read, so ${CONFIG_FILE_NAME} cannot be looked for; check the path`;
  return { severity: 'error', path: '', file: dir, message };
}

async function findConfigFile(dir: string, skipped: ReadonlySet<string>): Promise<FoundConfig | undefined> {
  const atRoot = join(dir, CONFIG_FILE_NAME);
  // A folder of that name is found too, and refused when read: never served as if there were no config.
  if ((await isFile(atRoot)) || (await isDirectory(atRoot))) {
    return { file: atRoot, diagnostics: [] };
  }
  const [first, ...others] = await findNestedConfigFiles(dir, skipped);
  if (first === undefined) {
    return undefined;
  }
  return { file: first, diagnostics: others.length === 0 ? [] : [duplicateWarning(dir, first, others)] };
}

function duplicateWarning(dir: string, chosen: string, others: readonly string[]): Diagnostic {
  const ignored = others.map((file) => `"${relative(dir, file)}"`).join(', ');
  const depth = (file: string) => relative(dir, file).split(sep).length;
  const why = others.some((file) => depth(file) === depth(chosen))
    ? 'the shallowest, and first by name at that depth'
    : 'the shallowest';
  return {
    severity: 'warning',
    path: '',
    file: chosen,
    message:
      `${others.length + 1} copies of ${CONFIG_FILE_NAME} were found; using this one (${why}) and ` +
      `ignoring ${ignored}; delete the extra copies or point the config location at the right folder`,
  };
}

/**
 * A config file named in another case (`StaticWebApp.config.json`): a case-insensitive disk (Windows,
 * macOS) reads it as the config, and Portico hides it like one, so serving without its rules would be a
 * surprise that opens what they protect.
 */
function misnamedError(file: string): Diagnostic {
  const message = `is named in another case than ${CONFIG_FILE_NAME}, so its rules would not apply here; rename it to ${CONFIG_FILE_NAME}`;
  return { severity: 'error', path: '', file, message };
}

/** Every config file below `dir`, breadth first, so shallower files come first; names sorted at each level. */
async function findNestedConfigFiles(
  dir: string,
  skipped: ReadonlySet<string>,
  matches: (entry: Dirent) => boolean = isConfigFile,
): Promise<string[]> {
  const found: string[] = [];
  let level = [dir];
  while (level.length > 0) {
    const next: string[] = [];
    for (const folder of level) {
      const entries = await listFolder(folder);
      found.push(...entries.filter(matches).map((entry) => join(folder, entry.name)));
      next.push(
        ...entries
          .filter(isSearchedFolder)
          .map((entry) => join(folder, entry.name))
          .filter((path) => !skipped.has(path)),
      );
    }
    level = next;
  }
  return found;
}

async function listFolder(folder: string): Promise<Dirent[]> {
  try {
    const entries = await readdir(folder, { withFileTypes: true });
    return entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  } catch {
    return [];
  }
}

/** A config file, or a folder named like one (refused when read, so its site is not served without rules). */
function isConfigFile(entry: Dirent): boolean {
  return (entry.isFile() || entry.isDirectory()) && entry.name === CONFIG_FILE_NAME;
}

function isMisnamedConfigFile(entry: Dirent): boolean {
  return entry.isFile() && entry.name !== CONFIG_FILE_NAME && entry.name.toLowerCase() === CONFIG_FILE_NAME;
}

function isSearchedFolder(entry: Dirent): boolean {
  return entry.isDirectory() && entry.name !== 'node_modules' && !entry.name.startsWith('.git');
}

/** Warnings for legacy `routes.json` files in `dirs`: ignored next to a config, unsupported without one. */
async function checkLegacyRoutes(dirs: readonly string[], hasConfig: boolean): Promise<Diagnostic[]> {
  const candidates = [...new Set(dirs.map((dir) => join(dir, LEGACY_ROUTES_FILE_NAME)))];
  const present: string[] = [];
  for (const file of candidates) {
    if (await isFile(file)) {
      present.push(file);
    }
  }
  const diagnostics: Diagnostic[] = [];
  for (const file of present) {
    diagnostics.push(
      !hasConfig && (await holdsRoleRules(file))
        ? legacyRolesError(file)
        : legacyRoutesWarning(file, hasConfig),
    );
  }
  return diagnostics;
}

/** Whether a `routes.json` limits any route to roles (an unreadable one is taken to, failing closed). */
async function holdsRoleRules(file: string): Promise<boolean> {
  try {
    const text = parseJsonText(await readFile(file, 'utf8'));
    if (!text.ok) {
      return true;
    }
    const parsed = text.value;
    const routes =
      typeof parsed === 'object' && parsed !== null ? (parsed as { routes?: unknown }).routes : undefined;
    return (
      Array.isArray(routes) &&
      routes.some((route) => typeof route === 'object' && route !== null && 'allowedRoles' in route)
    );
  } catch {
    return true;
  }
}

/**
 * A `routes.json` alone that limits routes to roles: serving the app without it would hand its protected
 * pages to anyone, so nothing is served until its rules move into the config (decision 0004).
 */
function legacyRolesError(file: string): Diagnostic {
  const message =
    `limits routes to roles, but the legacy ${LEGACY_ROUTES_FILE_NAME} is not supported, and serving without its rules would open those routes to anyone; ` +
    `move its rules into ${CONFIG_FILE_NAME} (a "/*" fallback rule becomes navigationFallback), then delete it`;
  return { severity: 'error', path: '', file, message };
}

function legacyRoutesWarning(file: string, hasConfig: boolean): Diagnostic {
  const message = hasConfig
    ? `is ignored because ${CONFIG_FILE_NAME} exists; move any rules you still need into ${CONFIG_FILE_NAME} and delete it`
    : `the legacy ${LEGACY_ROUTES_FILE_NAME} is not supported; move its rules into ${CONFIG_FILE_NAME} ` +
      '(a "/*" fallback rule becomes navigationFallback)';
  return { severity: 'warning', path: '', file, message };
}

/** Reads and parses one config file; a read failure or a file over 20 KB is an error, never a throw. */
async function readConfigFile(file: string): Promise<ConfigResult> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EISDIR') {
      const message = `is a folder, not a file, so the site's rules cannot be read; remove or rename the folder (put the config file in its place if the site has one)`;
      return { ok: false, diagnostics: [fileError(file, message)] };
    }
    const reason = errorMessage(error);
    return {
      ok: false,
      diagnostics: [fileError(file, `could not be read (${reason}); check that it is a readable file`)],
    };
  }
  const encoding = otherEncoding(bytes);
  if (encoding !== undefined) {
    return { ok: false, diagnostics: [fileError(file, encoding)] };
  }
  const parsed = parseConfigText(bytes.toString('utf8'), file);
  return bytes.length > MAX_CONFIG_BYTES ? withSizeError(file, bytes.length, parsed) : parsed;
}

/**
 * Why the file is not UTF-8 text, when it plainly is not: UTF-16 (what Windows PowerShell 5.1's `>`
 * writes) or bytes that are not UTF-8 (a Latin-1 editor), which would otherwise read as garbage.
 */
function otherEncoding(bytes: Buffer): string | undefined {
  const utf16 =
    (bytes[0] === 0xff && bytes[1] === 0xfe) ||
    (bytes[0] === 0xfe && bytes[1] === 0xff) ||
    (bytes.length >= 2 && (bytes[0] === 0 || bytes[1] === 0));
  if (utf16) {
    return SAVED_AS_UTF16;
  }
  if (!isUtf8(bytes)) {
    return 'is not UTF-8 text (an editor saved it in another encoding, such as Latin-1); save it as UTF-8';
  }
  return undefined;
}

function withSizeError(file: string, size: number, parsed: ConfigResult): ConfigResult {
  const message =
    `is ${size} bytes; Azure allows at most ${MAX_CONFIG_BYTES} bytes (20 KB), so shorten it ` +
    '(for example with wildcard routes instead of one rule per path)';
  return { ok: false, diagnostics: [fileError(file, message), ...parsed.diagnostics] };
}

function fileError(file: string, message: string): Diagnostic {
  return { severity: 'error', path: '', file, message };
}
