/**
 * `--func-args` / `funcArgs`: what the SWA CLI passes on to `func start`. Portico runs the Functions app
 * without Core Tools, so of those arguments it keeps only `--language-worker -- <options>`, the Node.js
 * options of the worker, which VS Code's Static Web Apps tooling passes to debug the API
 * (`--language-worker -- "--inspect=9229"`); they win over `languageWorkers__node__arguments`
 * (decision 0057). Every other argument is reported as ignored.
 */

/** What `funcArgs` means to Portico. */
export interface FuncArgs {
  /** The worker's Node.js options, one word each; absent when none. */
  readonly nodeArguments?: readonly string[];
  /** The arguments meant for Core Tools itself, which Portico does not run. */
  readonly ignored: readonly string[];
}

const LANGUAGE_WORKER = '--language-worker';

/**
 * Reads `funcArgs` as a shell would split it for `func start`.
 * @example
 * readFuncArgs('--javascript --language-worker -- "--inspect=9229"');
 * // → { nodeArguments: ['--inspect=9229'], ignored: ['--javascript'] }
 */
export function readFuncArgs(funcArgs: string): FuncArgs {
  const words = splitShellWords(funcArgs);
  const at = words.indexOf(LANGUAGE_WORKER);
  if (at === -1) {
    return { ignored: words };
  }
  const rest = words.slice(at + 1);
  // As Core Tools reads it: the options follow `--` and run to the end (each starts with a dash).
  if (rest[0] !== '--') {
    return { ignored: words };
  }
  const nodeArguments = rest.slice(1);
  return { ...(nodeArguments.length === 0 ? {} : { nodeArguments }), ignored: words.slice(0, at) };
}

/** Splits like a POSIX shell: white space separates; single and double quotes and backslashes escape. */
function splitShellWords(text: string): string[] {
  const words: string[] = [];
  let current = '';
  let started = false;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < text.length; i += 1) {
    const char = text[i] ?? '';
    if (quote !== undefined) {
      if (char === quote) {
        quote = undefined;
      } else if (char === '\\' && quote === '"' && i + 1 < text.length) {
        i += 1;
        current += text[i];
      } else {
        current += char;
      }
    } else if (char === '"' || char === "'") {
      quote = char;
      started = true;
    } else if (char === '\\' && i + 1 < text.length) {
      i += 1;
      current += text[i];
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
