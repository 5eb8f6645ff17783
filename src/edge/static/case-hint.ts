/**
 * `portico start`'s hint on a static request that found no file while the app has one whose name differs
 * only in letter case (`/Logo.png` for `logo.png`, `/Images/a.png` for `images/a.png`). Static Web Apps
 * serves file names case-sensitively, as Portico does, but on macOS and Windows the same link often works
 * with other local tools and fails only once deployed. The answer is unchanged (404 or the navigation
 * fallback); only the terminal is told, once per requested path (decision 0114).
 */
import type { Logger } from '../../shared/logger.js';
import type { FileSource } from '../types.js';

/** How many paths get a hint (each once), so a crawler or a scan cannot fill the terminal. */
const HINTED_PATHS = 20;

const INDEX = 'index.html';

/** Told of a static request that found no file; `fallback` when the navigation fallback answered it. */
export type StaticMissListener = (path: string, fallback: boolean) => void;

/** Options of {@link createCaseHint}. */
export interface CaseHintOptions {
  /** The app's files; without {@link FileSource.matchCase} (no case index), nothing is ever hinted. */
  readonly files: FileSource;
  readonly logger: Logger;
}

/**
 * Creates the listener that warns when a missed path names a file of the app but for its case.
 *
 * @example
 * const onStaticMiss = createCaseHint({ files, logger });
 * onStaticMiss('/Logo.png', false);
 * // warning: /Logo.png was not found; the app has /logo.png, which differs only in case: …
 */
export function createCaseHint(options: CaseHintOptions): StaticMissListener {
  const { files, logger } = options;
  const hinted = new Set<string>();
  return (path, fallback) => {
    if (hinted.has(path) || hinted.size >= HINTED_PATHS || files.matchCase === undefined) {
      return;
    }
    const real = matchUrlCase(path, (candidate) => files.matchCase?.(candidate));
    if (real === undefined) {
      return;
    }
    hinted.add(path);
    logger.warn(describeCaseMismatch(path, real, fallback));
  };
}

/**
 * The URL, as the app's files spell it, that `path` would reach if names were compared without case:
 * the file itself, or the `index.html` of a folder or the `.html` page the URL may serve (spec §1.9).
 */
export function matchUrlCase(
  path: string,
  matchCase: (path: string) => string | undefined,
): string | undefined {
  for (const form of urlForms(path)) {
    const real = matchCase(form.stem + form.added);
    if (real !== undefined) {
      const url = real.slice(0, real.length - form.added.length) + form.tail;
      return url === path ? undefined : url;
    }
  }
  return undefined;
}

/** A file a URL may be served from: `stem + added`; the URL is `stem + tail`. */
interface UrlForm {
  readonly stem: string;
  readonly added: string;
  readonly tail: string;
}

function urlForms(path: string): UrlForm[] {
  if (path.endsWith('/')) {
    const bare = path.slice(0, -1);
    return [
      { stem: bare, added: `/${INDEX}`, tail: '/' },
      ...(bare === '' ? [] : [{ stem: bare, added: '.html', tail: '/' }]),
    ];
  }
  return [
    { stem: path, added: '', tail: '' },
    { stem: path, added: `/${INDEX}`, tail: '' },
    { stem: path, added: '.html', tail: '' },
  ];
}

/** The warning: what was asked, what the app has, why it matters once deployed, and the fix. */
export function describeCaseMismatch(path: string, real: string, fallback: boolean): string {
  const missed = fallback
    ? `${printable(path)} was not found, so the navigation fallback was served`
    : `${printable(path)} was not found`;
  return `${missed}; the app has ${printable(real)}, which differs only in case: Static Web Apps serves file names case-sensitively, so fix the link or the file name.`;
}

/** A decoded path for one log line: control characters (a `%0A` in the URL) stay percent-encoded. */
function printable(path: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the pattern exists to find control characters
  return path.replace(/[\u0000-\u001f\u007f]/g, (char) => encodeURIComponent(char));
}
