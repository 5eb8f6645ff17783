/**
 * App settings that Node.js reads for itself when a worker starts (decision 0059). A site's app settings
 * become its worker's environment, so `NODE_OPTIONS=--allow-fs-read=*` would widen the sandbox's
 * permission model, and `--require` would load a file before the worker; `NODE_REDIRECT_WARNINGS` and
 * `NODE_V8_COVERAGE` make Node.js itself write files, which the permission model does not check. The
 * checks here keep `NODE_OPTIONS` to options that only tune the worker (heap size, warnings, source maps)
 * and refuse the variables that write files. Pure functions: `validateAppSettings` applies them.
 */

/** The variable Node.js takes options from. */
export const NODE_OPTIONS_SETTING = 'NODE_OPTIONS';

/** Variables with which Node.js writes files of its own, out of the permission model's reach. */
const FILE_WRITING_VARIABLES: ReadonlySet<string> = new Set([
  'NODE_REDIRECT_WARNINGS',
  'NODE_V8_COVERAGE',
  'NODE_COMPILE_CACHE',
  'NODE_REPL_EXTERNAL_MODULE',
]);

/** What a value of an allowed option looks like; undefined: the option takes no value. */
type ValueRule = RegExp | undefined;

const WHOLE_NUMBER = /^[1-9][0-9]{0,6}$/;

/** The options a site may give its worker, and their values. */
const ALLOWED_OPTIONS: ReadonlyMap<string, ValueRule> = new Map<string, ValueRule>([
  ['max-old-space-size', WHOLE_NUMBER],
  ['max-semi-space-size', WHOLE_NUMBER],
  ['stack-trace-limit', WHOLE_NUMBER],
  ['enable-source-maps', undefined],
  ['unhandled-rejections', /^(?:strict|warn|none|throw|warn-with-error-code)$/],
  ['dns-result-order', /^(?:ipv4first|ipv6first|verbatim)$/],
  ['trace-warnings', undefined],
  ['trace-uncaught', undefined],
  ['trace-deprecation', undefined],
  ['throw-deprecation', undefined],
  ['pending-deprecation', undefined],
  ['no-deprecation', undefined],
  ['no-warnings', undefined],
]);

/**
 * One option as a site writes it. Nothing else is read: no quotes or backslashes, whose handling by
 * Node.js a check could read differently, and no value outside the option's own rule.
 */
const OPTION = /^--([a-z][a-z0-9-]*)(?:=(.*))?$/s;

/** The allowed options as a message lists them. */
const ALLOWED_TEXT = [...ALLOWED_OPTIONS]
  .map(([name, rule]) => (rule === undefined ? `--${name}` : `--${name}=…`))
  .join(', ');

/**
 * Why a site may not have this app setting because of what Node.js does with it, or undefined when it
 * may. Only `NODE_OPTIONS` and the file-writing variables are concerned.
 */
export function problemOfNodeSetting(name: string, value: string): string | undefined {
  if (FILE_WRITING_VARIABLES.has(name)) {
    return `Node.js writes files of its own with ${name}, outside the sandbox of a site's functions; remove it`;
  }
  if (name !== NODE_OPTIONS_SETTING) {
    return undefined;
  }
  for (const word of value.split(/[ \t]+/).filter((w) => w !== '')) {
    const problem = problemOfOption(word);
    if (problem !== undefined) {
      return `${problem}. A site's functions may only take ${ALLOWED_TEXT} (options such as --allow-fs-read or --require would undo their sandbox)`;
    }
  }
  return undefined;
}

function problemOfOption(word: string): string | undefined {
  const shown = word.length > 60 ? `${word.slice(0, 57)}...` : word;
  const match = OPTION.exec(word);
  const name = match?.[1];
  if (match === null || name === undefined || !ALLOWED_OPTIONS.has(name)) {
    return `${shown} is not allowed`;
  }
  const rule = ALLOWED_OPTIONS.get(name);
  const value = match[2];
  if (rule === undefined ? value !== undefined : value === undefined || !rule.test(value)) {
    return `${shown} is not a value --${name} takes here`;
  }
  return undefined;
}
