/**
 * `--func-args` / `funcArgs`: what the SWA CLI passes on to `func start`. Portico runs the Functions app
 * without Core Tools, so of those arguments it keeps only `--language-worker -- <options>`, the Node.js
 * options of the worker, which VS Code's Static Web Apps tooling passes to debug the API
 * (`--language-worker -- "--inspect=9229"`); they win over `languageWorkers__node__arguments`
 * (decision 0057). Every other argument is reported as ignored.
 */
import { splitWords } from '../../shared/words.js';

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
  const words = splitWords(funcArgs, 'shell');
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
