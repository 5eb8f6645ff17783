/**
 * The one error catalog of Portico. Every error a user can see has a stable code, listed here once,
 * prefixed by the module that raises it. Codes are never reused after removal.
 *
 * `expose: true` marks user errors (bad input, bad config): their message is shown as is and they are
 * never logged as crashes. System errors (`expose: false`) always carry a `cause`.
 */
export const ERROR_CODES = {
  CONFIG_INVALID: { status: 500, expose: true, summary: 'staticwebapp.config.json is invalid' },
  EDGE_BAD_REQUEST_PATH: { status: 400, expose: true, summary: 'the request path cannot be decoded safely' },
  EDGE_UPGRADE_REFUSED: { status: 501, expose: true, summary: 'WebSocket upgrades are not supported' },
  AUTH_LOGIN_INVALID: { status: 400, expose: true, summary: 'the sign-in form was incomplete or invalid' },
  PROXY_BACKEND_UNAVAILABLE: { status: 502, expose: true, summary: 'the /api backend could not be reached' },
  PROXY_BACKEND_TIMEOUT: { status: 500, expose: true, summary: 'the /api backend did not answer in time' },
  PROXY_BODY_TOO_LARGE: { status: 413, expose: true, summary: 'request bodies are limited to 30 MB' },
  FUNCTIONS_APP_NOT_FOUND: {
    status: 500,
    expose: true,
    summary: 'the API folder is missing or holds no host.json or package.json',
  },
  FUNCTIONS_APP_DIR_MISSING: { status: 500, expose: true, summary: 'the API folder does not exist' },
  FUNCTIONS_MAIN_NOT_FOUND: {
    status: 500,
    expose: true,
    summary: 'package.json main matches no file (build the app?)',
  },
  FUNCTIONS_DEPENDENCIES_MISSING: {
    status: 500,
    expose: true,
    summary: 'the dependencies of the API app are not installed',
  },
  FUNCTIONS_MODULE_NOT_FOUND: {
    status: 500,
    expose: true,
    summary: 'a module the API app requires cannot be found',
  },
  FUNCTIONS_SYNTAX_ERROR: { status: 500, expose: true, summary: 'the API app has a syntax error' },
  FUNCTIONS_DUPLICATE_NAME: { status: 500, expose: true, summary: 'two functions have the same name' },
  FUNCTIONS_ROUTE_PREFIX: { status: 500, expose: true, summary: 'host.json routePrefix must be api' },
  FUNCTIONS_ADMIN_AUTH_LEVEL: {
    status: 500,
    expose: true,
    summary: 'authLevel admin is not allowed in Static Web Apps',
  },
  FUNCTIONS_INVALID_METADATA: {
    status: 500,
    expose: true,
    summary: 'a function.json or registration is invalid',
  },
  FUNCTIONS_ROUTE_INVALID: { status: 500, expose: true, summary: 'a function route template is invalid' },
  FUNCTIONS_ENTRY_POINT_FAILED: {
    status: 500,
    expose: true,
    summary: 'an entry file of the API app threw while loading',
  },
  FUNCTIONS_APP_START_FAILED: {
    status: 500,
    expose: true,
    summary: 'an appStart hook or the start-up of the app failed',
  },
  FUNCTIONS_LOAD_FAILED: { status: 500, expose: true, summary: 'the API app could not be loaded' },
  FUNCTIONS_START_TIMEOUT: {
    status: 500,
    expose: true,
    summary: 'the API app did not finish loading in time',
  },
  FUNCTIONS_INVALID_SETTINGS: {
    status: 500,
    expose: true,
    summary: 'local.settings.json or the app settings are invalid',
  },
  FUNCTIONS_PORT_IN_USE: { status: 500, expose: true, summary: 'the API port is already in use' },
  FUNCTIONS_UNAVAILABLE: {
    status: 502,
    expose: true,
    summary: 'the API worker is not running or did not answer',
  },
  CLI_USAGE: { status: 400, expose: true, summary: 'the command line was invalid' },
  CLI_START_FAILED: { status: 500, expose: true, summary: 'the dev server could not start' },
  INTERNAL: { status: 500, expose: false, summary: 'unexpected internal error' },
} as const satisfies Record<string, { status: number; expose: boolean; summary: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** Base error: a code from {@link ERROR_CODES}, the HTTP status it maps to, and whether it is a user error. */
export class PorticoError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly expose: boolean;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown; status?: number }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'PorticoError';
    this.code = code;
    this.status = options?.status ?? ERROR_CODES[code].status;
    this.expose = ERROR_CODES[code].expose;
  }
}

/** True for errors caused by the user's input (config, request, command line), which are never crashes. */
export function isUserError(error: unknown): error is PorticoError {
  return error instanceof PorticoError && error.expose;
}

/** The error catalog as a Markdown table: the source of `docs/error-codes.md` (a test keeps it current). */
export function renderErrorCodesMarkdown(): string {
  const rows = Object.entries(ERROR_CODES).map(
    ([code, entry]) =>
      `| \`${code}\` | ${entry.status} | ${entry.expose ? 'user' : 'system'} | ${entry.summary} |`,
  );
  return [
    '# Error codes',
    '',
    'Generated from `src/shared/errors.ts` by `npm run docs:generate`; do not edit by hand.',
    '',
    '| code | HTTP status | kind | meaning |',
    '|---|---|---|---|',
    ...rows,
    '',
  ].join('\n');
}
