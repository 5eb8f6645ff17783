/**
 * The one error catalog of Portico. Every error a user can see has a stable code, listed here once,
 * prefixed by the module that raises it. Codes are never reused after removal.
 *
 * `expose: true` marks user errors (bad input, bad config): their message is shown as is and they are
 * never logged as crashes. System errors (`expose: false`) always carry a `cause`.
 */
export const ERROR_CODES = {
  CONFIG_INVALID: { status: 500, expose: true, summary: 'staticwebapp.config.json is invalid' },
  CONFIG_READ_FAILED: { status: 500, expose: true, summary: 'staticwebapp.config.json could not be read' },
  CONFIG_PLAN_FEATURE: { status: 400, expose: true, summary: 'the config uses a Standard-plan feature' },
  EDGE_BAD_REQUEST_PATH: { status: 400, expose: true, summary: 'the request path cannot be decoded safely' },
  EDGE_METHOD_NOT_ALLOWED: {
    status: 405,
    expose: true,
    summary: 'static content accepts GET, HEAD and OPTIONS',
  },
  EDGE_NOT_FOUND: { status: 404, expose: true, summary: 'no file, route or fallback matched' },
  EDGE_FORBIDDEN_NETWORK: { status: 403, expose: true, summary: 'denied by networking or forwardingGateway' },
  EDGE_UPGRADE_REFUSED: { status: 501, expose: true, summary: 'WebSocket upgrades are not supported' },
  AUTH_UNAUTHENTICATED: { status: 401, expose: true, summary: 'sign-in required' },
  AUTH_FORBIDDEN_ROLE: { status: 403, expose: true, summary: 'signed in without a required role' },
  AUTH_PROVIDER_UNKNOWN: { status: 404, expose: true, summary: 'unknown or disabled identity provider' },
  AUTH_LOGIN_INVALID: { status: 400, expose: true, summary: 'the sign-in form was incomplete or invalid' },
  PROXY_BACKEND_UNAVAILABLE: { status: 502, expose: true, summary: 'the /api backend could not be reached' },
  PROXY_BACKEND_TIMEOUT: { status: 500, expose: true, summary: 'the /api backend did not answer in time' },
  PROXY_BODY_TOO_LARGE: { status: 413, expose: true, summary: 'request bodies are limited to 30 MB' },
  PROXY_NO_BACKEND: { status: 404, expose: true, summary: 'no /api backend is configured' },
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
