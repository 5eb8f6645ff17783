/**
 * `languageWorkers__node__arguments`: Node.js options for the API's worker, as Core Tools takes them from
 * `local.settings.json` `Values` or the environment, most often `--inspect` to debug the functions
 * (decision 0057). Only the dev commands honour it: under `portico serve` a site must not choose how its
 * worker runs, since an option such as `--allow-fs-read` would undo the sandbox.
 */
import { PorticoError } from '../shared/errors.js';
import { clip } from '../shared/quote.js';
import { splitWords } from '../shared/words.js';
import { WORKER_PROCESS_COUNT_SETTING } from './process-count.js';

/** The setting's name, as Azure spells it; `languageWorkers:node:arguments` is read too. */
export const NODE_ARGUMENTS_SETTING = 'languageWorkers__node__arguments';

/** What the setting asks of the worker's Node.js. */
export interface NodeArguments {
  /** The options, in order; empty when the setting is unset or blank. */
  readonly args: readonly string[];
  /**
   * An option opens the inspector (`--inspect`, `--inspect-brk`, `--inspect-wait`): a debugger may pause
   * the worker, so its health checks and load time limit are off, and no second worker boots beside it.
   */
  readonly debugging: boolean;
}

/** No options: the worker runs with Portico's alone. */
export const NO_NODE_ARGUMENTS: NodeArguments = Object.freeze({ args: Object.freeze([]), debugging: false });

/** Options that would run something other than the worker, or make Node.js do something else. */
const REFUSED = new Set([
  '-',
  '--',
  '-e',
  '--eval',
  '-p',
  '--print',
  '-pe',
  '-c',
  '--check',
  '-i',
  '--interactive',
  '-h',
  '--help',
  '-v',
  '--version',
  '--run',
  '--test',
  '--watch',
  '--watch-path',
  '--watch-preserve-output',
]);

const INSPECTOR = /^--inspect(?:-brk|-wait)?(?:=|$)/;

/** The setting's value in `env` (either spelling, any letter case), or `undefined`. */
function settingOf(env: Readonly<Record<string, string>>): string | undefined {
  for (const [name, value] of Object.entries(env)) {
    const normal = name.toLowerCase().replaceAll(':', '__');
    if (normal === NODE_ARGUMENTS_SETTING.toLowerCase()) {
      return value;
    }
  }
  return undefined;
}

/**
 * The Node.js options `env` asks for (`source` says where it came from, for errors). Options are
 * separated by white space; double quotes keep a value with spaces together. Throws a user error for
 * anything that is not an option given as `--name` or `--name=value`, and for options that would make
 * Node.js run something other than the worker.
 *
 * @example
 * readNodeArguments({ languageWorkers__node__arguments: '--inspect=9229' });
 * // → { args: ['--inspect=9229'], debugging: true }
 */
export function readNodeArguments(
  env: Readonly<Record<string, string>>,
  source = 'your environment or local.settings.json',
): NodeArguments {
  const value = settingOf(env);
  return value === undefined ? NO_NODE_ARGUMENTS : checkNodeArguments(splitWords(value, 'plain'), source);
}

/**
 * `args` as the worker's Node.js options, one word each (`--func-args`' `--language-worker` options, or
 * the setting split); throws a user error naming `source` for one that is refused (see
 * {@link readNodeArguments}).
 */
export function checkNodeArguments(args: readonly string[], source: string): NodeArguments {
  if (args.length === 0) {
    return NO_NODE_ARGUMENTS;
  }
  for (const arg of args) {
    const problem = problemOf(arg);
    if (problem !== undefined) {
      throw new PorticoError(
        'FUNCTIONS_INVALID_SETTINGS',
        `${NODE_ARGUMENTS_SETTING} (from ${source}): "${clip(arg)}" ${problem}`,
      );
    }
  }
  return Object.freeze({
    args: Object.freeze([...args]),
    debugging: args.some((arg) => INSPECTOR.test(arg)),
  });
}

/**
 * The line that tells the developer which options the worker runs with, and what an inspector changes.
 * @example
 * describeNodeArguments({ args: ['--inspect'], debugging: true }, 1);
 * // → 'functions: the worker runs Node.js with --inspect (languageWorkers__node__arguments); while …'
 */
export function describeNodeArguments(
  node: NodeArguments,
  workerProcesses: number,
  source: string = NODE_ARGUMENTS_SETTING,
): string {
  if (node.args.length === 0) {
    return `functions: ${NODE_ARGUMENTS_SETTING} is no longer set`;
  }
  const debugging = node.debugging
    ? '; while a debugger may pause it, the worker has no health checks and no time limit to load'
    : '';
  const several =
    node.debugging && workerProcesses > 1
      ? ` (${WORKER_PROCESS_COUNT_SETTING} is ${workerProcesses}: only one worker can listen on a given inspector port; set it to 1 to debug)`
      : '';
  return `functions: the worker runs Node.js with ${node.args.join(' ')} (${source})${debugging}${several}`;
}

/**
 * The warning for `NODE_OPTIONS=--inspect portico start`, Core Tools' way to debug the worker: under
 * Portico, the CLI's own Node.js takes that inspector first, so the worker's cannot listen on its port and
 * breakpoints in the functions are never hit. Undefined when `env` has no inspector in `NODE_OPTIONS`.
 */
export function warnOfInspectorInNodeOptions(env: Readonly<Record<string, string>>): string | undefined {
  const options = splitWords(env.NODE_OPTIONS ?? '', 'plain');
  if (!options.some((option) => INSPECTOR.test(option))) {
    return undefined;
  }
  return `functions: NODE_OPTIONS asks for an inspector, which Portico's own process takes first: breakpoints in the API's functions will not be hit. To debug them, set ${NODE_ARGUMENTS_SETTING} instead (e.g. to --inspect=9229) and remove --inspect from NODE_OPTIONS.`;
}

function problemOf(arg: string): string | undefined {
  if (!arg.startsWith('-')) {
    return 'is not a Node.js option; give each option as --name or --name=value (e.g. --inspect=9229 or --require=./setup.js)';
  }
  const name = arg.split('=', 1)[0] ?? arg;
  return REFUSED.has(name)
    ? 'would make Node.js run something other than the API worker; use options such as --inspect=9229, --enable-source-maps or --max-old-space-size=1024'
    : undefined;
}
