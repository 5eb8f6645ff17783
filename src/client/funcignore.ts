/**
 * An Azure Functions app's `.funcignore`: gitignore-syntax patterns of what a publish leaves out, as
 * Azure Functions Core Tools reads them for `func azure functionapp publish` (`node_modules/`, `*.ts`,
 * `tsconfig.json`, `test`, …). `portico deploy` honours it for the API folder.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { apiExclusions } from './pack.js';

/** The file's name in the API folder. */
export const FUNCIGNORE_FILE = '.funcignore';

/** One pattern line. */
interface IgnoreRule {
  readonly negate: boolean;
  /** A pattern ending in `/` matches folders only. */
  readonly folderOnly: boolean;
  readonly regex: RegExp;
}

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

/** The test of `<apiDir>/.funcignore`, or `undefined` when the folder has none. */
export async function readFuncignore(apiDir: string): Promise<IgnoreTest | undefined> {
  const text = await readFile(join(apiDir, FUNCIGNORE_FILE), 'utf8').catch(() => undefined);
  return text === undefined ? undefined : parseIgnorePatterns(text);
}

/**
 * Compiles gitignore lines: `#` comments and blank lines skipped, `!` re-includes, a trailing `/` matches
 * folders only, a `/` at the start or in the middle anchors the pattern at the top (else it matches a
 * name at any depth), `*` and `?` stay within a name, `**` spans folders, `[a-z]` is a class and `\`
 * escapes. The last matching line decides; a left-out folder leaves out everything in it.
 *
 * @example
 * parseIgnorePatterns('node_modules/\n*.ts\n!keep.ts')('src/a.ts', false) // true
 */
export function parseIgnorePatterns(text: string): IgnoreTest {
  const rules = text.split(/\r?\n/).flatMap((line) => {
    const rule = parseLine(line);
    return rule === undefined ? [] : [rule];
  });
  return (relPath, isFolder) => {
    let ignored = false;
    for (const rule of rules) {
      if ((!rule.folderOnly || isFolder) && rule.regex.test(relPath)) {
        ignored = !rule.negate;
      }
    }
    return ignored;
  };
}

function parseLine(line: string): IgnoreRule | undefined {
  let pattern = line.replace(/(?<!\\)\s+$/, '');
  if (pattern === '' || pattern.startsWith('#')) {
    return undefined;
  }
  const negate = pattern.startsWith('!');
  if (negate) {
    pattern = pattern.slice(1);
  }
  const folderOnly = pattern.endsWith('/');
  pattern = pattern.replace(/\/+$/, '');
  const anchored = pattern.includes('/');
  pattern = pattern.replace(/^\//, '');
  if (pattern === '') {
    return undefined;
  }
  const body = globToRegExp(pattern);
  return { negate, folderOnly, regex: new RegExp(anchored ? `^${body}$` : `^(?:.*/)?${body}$`) };
}

/** The regular expression source of one glob (no anchors). */
function globToRegExp(glob: string): string {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob.charAt(i);
    if (c === '*' && glob.charAt(i + 1) === '*' && (i === 0 || glob.charAt(i - 1) === '/')) {
      if (i + 2 === glob.length) {
        return `${out}.*`;
      }
      if (glob.charAt(i + 2) === '/') {
        out += '(?:.*/)?';
        i += 2;
        continue;
      }
    }
    if (c === '*') {
      out += '[^/]*';
    } else if (c === '?') {
      out += '[^/]';
    } else if (c === '[' && glob.indexOf(']', i + 2) > 0) {
      const end = glob.indexOf(']', i + 2);
      const inner = glob.slice(i + 1, end).replace(/\\/g, '\\\\');
      out += `[${inner.replace(/^!/, '^')}]`;
      i = end;
    } else if (c === '\\' && i + 1 < glob.length) {
      i += 1;
      out += escapeChar(glob.charAt(i));
    } else {
      out += escapeChar(c);
    }
  }
  return out;
}

function escapeChar(c: string): string {
  return /[.*+?^${}()|[\]\\/]/.test(c) ? `\\${c}` : c;
}
