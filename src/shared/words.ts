/**
 * Splits a line of arguments into words, by one of two rules:
 * - `'shell'`, as a POSIX shell: single and double quotes group, and a backslash escapes the next character
 *   (inside double quotes, only `"` and `\`), for what the SWA CLI hands to a shell (`--func-args`);
 * - `'plain'`: white space separates and double quotes group, backslashes stay (a Windows path survives),
 *   as a process gets its arguments from a setting with no shell between (`languageWorkers__node__arguments`).
 * The quotes themselves are dropped; `""` is an empty word.
 *
 * @example
 * splitWords(`--a "b c" 'd'`, 'shell'); // → ['--a', 'b c', 'd']
 * splitWords(`--a "b c" 'd'`, 'plain'); // → ['--a', 'b c', "'d'"]
 */
export function splitWords(text: string, rules: 'shell' | 'plain'): string[] {
  const shell = rules === 'shell';
  const words: string[] = [];
  let current = '';
  let started = false;
  let quote: string | undefined;
  for (let i = 0; i < text.length; i += 1) {
    const char = text[i] ?? '';
    const next = text[i + 1];
    if (shell && char === '\\' && next !== undefined && escapes(quote, next)) {
      current += next;
      started = true;
      i += 1;
    } else if (quote !== undefined) {
      if (char === quote) {
        quote = undefined;
      } else {
        current += char;
      }
    } else if (char === '"' || (shell && char === "'")) {
      quote = char;
      started = true;
    } else if (/\s/.test(char)) {
      if (started) {
        words.push(current);
      }
      current = '';
      started = false;
    } else {
      current += char;
      started = true;
    }
  }
  if (started) {
    words.push(current);
  }
  return words;
}

/** Whether a shell's backslash escapes `next` inside `quote` (none, single or double). */
function escapes(quote: string | undefined, next: string): boolean {
  return quote === undefined || (quote === '"' && (next === '"' || next === '\\'));
}
