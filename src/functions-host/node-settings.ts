/**
 * App settings that Node.js, or the system's loader and C library, read for themselves when a worker
 * starts (decision 0059). A site's app settings become its worker's environment, so
 * `NODE_OPTIONS=--allow-fs-read=*` would widen the sandbox's permission model, and `--require` would load
 * a file before the worker; `NODE_REDIRECT_WARNINGS` and `NODE_V8_COVERAGE` make Node.js itself write
 * files, which the permission model does not check. `LD_PRELOAD` and its kin load native code into every
 * program the worker's environment reaches, the sandbox's own launchers (bubblewrap, setpriv) included,
 * some of which run as root. The checks here keep `NODE_OPTIONS` to options that only tune the worker (heap
 * size, warnings, source maps) and refuse the rest. Pure functions: `validateAppSettings` applies them.
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

/**
 * Variables the dynamic loader, the C library or OpenSSL read to load code or files when any program
 * starts: glibc's own list of what it ignores for setuid programs, every `LD_*`, and OpenSSL's.
 */
const LOADER_VARIABLES: ReadonlySet<string> = new Set([
  'GCONV_PATH',
  'GETCONF_DIR',
  'GLIBC_TUNABLES',
  'HOSTALIASES',
  'LOCALDOMAIN',
  'LOCPATH',
  'MALLOC_TRACE',
  'NIS_PATH',
  'NLSPATH',
  'RESOLV_HOST_CONF',
  'RES_OPTIONS',
  'TZDIR',
  'OPENSSL_CONF',
  'OPENSSL_MODULES',
  'OPENSSL_ENGINES',
]);

/** Variables with which Node.js and its parent speak: the worker's host sets them, a site never. */
const HOST_VARIABLES: ReadonlySet<string> = new Set([
  'NODE_CHANNEL_FD',
  'NODE_CHANNEL_SERIALIZATION_MODE',
  'NODE_UNIQUE_ID',
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
 * Why a site may not have this app setting because of what Node.js, the loader or the C library does
 * with it, or undefined when it may. Names are compared as the system does: with case.
 */
export function problemOfNodeSetting(name: string, value: string): string | undefined {
  if (name.startsWith('LD_') || LOADER_VARIABLES.has(name)) {
    return `the system loads code or files named by ${name} into the worker's programs before their sandbox applies; remove it`;
  }
  if (HOST_VARIABLES.has(name)) {
    return `Node.js takes ${name} from the process that starts the worker; a site cannot set it`;
  }
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
