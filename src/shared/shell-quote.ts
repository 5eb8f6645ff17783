/**
 * Quoting a word for a POSIX shell, for the commands Portico prints for a user to paste (`mv … …`,
 * `portico deploy <dir>`): a path with a space, a quote or `$` in it must stay one word.
 */

/** Characters that never need quoting in a shell word. */
const SAFE_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;

/**
 * `word` as one POSIX shell word: as it is when it needs no quoting, else in single quotes, each `'` in it
 * written as `'\''`.
 * @example quoteShellWord('/tmp/x/dåta dir') // "'/tmp/x/dåta dir'"
 * @example quoteShellWord('/etc/portico') // '/etc/portico'
 */
export function quoteShellWord(word: string): string {
  return SAFE_WORD.test(word) ? word : `'${word.replaceAll("'", "'\\''")}'`;
}
