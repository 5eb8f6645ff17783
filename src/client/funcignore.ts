/**
 * An Azure Functions app's `.funcignore`: gitignore-syntax patterns of what a publish leaves out, as
 * Azure Functions Core Tools reads them for `func azure functionapp publish` (`node_modules/`, `*.ts`,
 * `tsconfig.json`, `test`, …). `portico deploy` honours it for the API folder.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PorticoError } from '../shared/errors.js';
import { decodeByBom, looksUtf16, SAVED_AS_UTF16 } from '../shared/json-text.js';
import { apiExclusions } from './pack.js';

/** The file's name in the API folder. */
export const FUNCIGNORE_FILE = '.funcignore';

/** Says whether a relative `/`-separated path (a folder when `isFolder`) is left out. */
export type IgnoreTest = (relPath: string, isFolder: boolean) => boolean;

/** What a deploy leaves out of an API folder, and what it left out by `.funcignore`. */
export interface ApiFilter {
  /** For `packDirectory`'s `exclude`. */
  readonly exclude: IgnoreTest;
  /** The paths `.funcignore` left out so far (a folder stands for everything in it). */
  readonly ignored: readonly string[];
}

/**
 * Leaves out `local.settings.json` ({@link apiExclusions}) and what `<apiDir>/.funcignore` names.
 *
 * @example
 * const filter = await apiFilterOf('api');
 * const api = await packDirectory('api', { exclude: filter.exclude });
 */
export async function apiFilterOf(apiDir: string): Promise<ApiFilter> {
  const funcignore = await readFuncignore(apiDir);
  const ignored: string[] = [];
  const exclude: IgnoreTest = (relPath, isFolder) => {
    if (apiExclusions(relPath)) {
      return true;
    }
    if (funcignore?.(relPath, isFolder) === true) {
      ignored.push(relPath);
      return true;
    }
    return false;
  };
  return { exclude, ignored };
}

/**
 * The test of `<apiDir>/.funcignore`, or `undefined` when the folder has none. Read as Core Tools reads
 * it: by its byte order mark, so the UTF-16 of Windows PowerShell 5.1's `"x" > .funcignore` counts. UTF-16
 * without a mark cannot be told from UTF-8 with certainty, and ignored it would send what it names: refused.
 */
export async function readFuncignore(apiDir: string): Promise<IgnoreTest | undefined> {
  const file = join(apiDir, FUNCIGNORE_FILE);
  const bytes = await readFile(file).catch(() => undefined);
  if (bytes === undefined) {
    return undefined;
  }
  const text = decodeByBom(bytes);
  if (looksUtf16(text)) {
    throw new PorticoError(
      'CLI_USAGE',
      `${file} ${SAVED_AS_UTF16}: without a byte order mark its patterns cannot be read, and deploying without them would send what they leave out, so nothing was sent.`,
    );
  }
  return parseIgnorePatterns(text);
}

/**
 * Compiles gitignore lines with the `ignore` package (what ESLint and Prettier read their ignore files
 * with): the last matching line decides, `!` re-includes, a trailing `/` matches folders only.
 *
 * @example
 * (await parseIgnorePatterns('node_modules/\n*.ts\n!keep.ts'))('src/a.ts', false) // true
 */
export async function parseIgnorePatterns(text: string): Promise<IgnoreTest> {
  // Loaded only for a folder that has a .funcignore: every command that talks to a server loads the client.
  const { default: ignore } = await import('ignore');
  const rules = ignore().add(text);
  return (relPath, isFolder) => rules.ignores(isFolder ? `${relPath}/` : relPath);
}
