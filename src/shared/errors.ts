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
  PROXY_CLIENT_BODY_TIMEOUT: {
    status: 408,
    expose: true,
    summary: 'the client stopped sending its /api request body before its end',
  },
  FUNCTIONS_APP_NOT_FOUND: {
    status: 500,
    expose: true,
    summary: 'the API folder is missing or holds no host.json or package.json',
  },
  FUNCTIONS_APP_NOT_NODE: {
    status: 400,
    expose: true,
    summary:
      'the API folder holds a Functions app Portico does not run (.NET, Python, Java, PowerShell or a custom handler)',
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
  FUNCTIONS_LISTEN_FAILED: {
    status: 500,
    expose: true,
    summary: 'the API worker could not listen on its loopback port',
  },
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
  FUNCTIONS_BUILD_FAILED: {
    status: 500,
    expose: true,
    summary: "the API's build script failed (TypeScript apps are built before start)",
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
  FUNCTIONS_SANDBOX_UNAVAILABLE: {
    status: 500,
    expose: true,
    summary: 'the functions sandbox asked for is not available on this machine',
  },
  FUNCTIONS_SANDBOX_INVALID: {
    status: 500,
    expose: true,
    summary: 'a --sandbox or --functions-user value is not valid',
  },
  FUNCTIONS_IPC_UNGUARDED: {
    status: 500,
    expose: true,
    summary: "the API worker's IPC channel cannot be guarded on this Node.js version",
  },
  STORAGE_UNAVAILABLE: { status: 503, expose: true, summary: 'the database cannot be opened or reached' },
  STORAGE_TOO_NEW: {
    status: 503,
    expose: true,
    summary: 'the database was upgraded by a newer Portico, which this version cannot run on',
  },
  STORAGE_CONFLICT: {
    status: 409,
    expose: true,
    summary: 'another request changed the same thing at the same moment; this one was not applied',
  },
  STORAGE_BLOB_MISSING: { status: 500, expose: false, summary: 'a stored file content is missing' },
  STORAGE_REDIS_AUTH_REFUSED: {
    status: 500,
    expose: true,
    summary: 'Redis refused the user name or password of --redis-url (a misconfiguration, not an outage)',
  },
  CONTROL_UNAUTHORIZED: { status: 401, expose: true, summary: 'the admin token is missing or wrong' },
  CONTROL_NOT_FOUND: { status: 404, expose: true, summary: 'no such resource or route' },
  CONTROL_PRECONDITION_FAILED: {
    status: 412,
    expose: true,
    summary: 'If-Match names another version than the current one (or one that does not exist)',
  },
  CONTROL_TOO_MANY_ATTEMPTS: {
    status: 429,
    expose: true,
    summary: 'too many wrong admin tokens from this address; wait for Retry-After',
  },
  CONTROL_METHOD_NOT_ALLOWED: {
    status: 405,
    expose: true,
    summary: 'the resource does not support this method',
  },
  CONTROL_BAD_REQUEST: { status: 400, expose: true, summary: 'the request body or parameters are invalid' },
  CONTROL_SITE_NOT_FOUND: { status: 404, expose: true, summary: 'no static site has this name' },
  CONTROL_SITE_EXISTS: { status: 409, expose: true, summary: 'a static site with this name exists' },
  CONTROL_SITE_NAME_INVALID: { status: 400, expose: true, summary: 'the site name breaks the naming rules' },
  CONTROL_PLAN_INVALID: { status: 400, expose: true, summary: 'the plan (sku) is not Free or Standard' },
  CONTROL_PLAN_DOWNGRADE_BLOCKED: {
    status: 409,
    expose: true,
    summary: 'a Standard-only feature is in use, so the site cannot move to Free',
  },
  CONTROL_ENVIRONMENT_NOT_FOUND: { status: 404, expose: true, summary: 'the site has no such environment' },
  CONTROL_ENVIRONMENT_NAME_INVALID: {
    status: 400,
    expose: true,
    summary: 'environment names are 1-16 letters or digits',
  },
  CONTROL_ENVIRONMENT_LIMIT: {
    status: 400,
    expose: true,
    summary: 'the plan allows no more pre-production environments (Free 3, Standard 10)',
  },
  CONTROL_ENVIRONMENT_PRODUCTION: { status: 400, expose: true, summary: 'production cannot be deleted' },
  CONTROL_SETTING_INVALID: {
    status: 400,
    expose: true,
    summary: 'an app setting name or value is not allowed',
  },
  CONTROL_USER_NOT_FOUND: { status: 404, expose: true, summary: 'the site has no such user' },
  CONTROL_USER_LIMIT: { status: 400, expose: true, summary: 'at most 25 users may hold custom roles' },
  CONTROL_INVITATION_INVALID: { status: 400, expose: true, summary: 'the invitation is invalid or expired' },
  CONTROL_APIM_NOT_FOUND: { status: 404, expose: true, summary: 'no API Management service has this name' },
  CONTROL_APIM_EXISTS: {
    status: 409,
    expose: true,
    summary: 'an API Management service with this name exists',
  },
  CONTROL_APIM_ENTITY_NOT_FOUND: {
    status: 404,
    expose: true,
    summary: 'the service has no such API, operation, product, subscription, named value or policy',
  },
  CONTROL_APIM_CONFLICT: {
    status: 409,
    expose: true,
    summary: 'the change conflicts with the service (duplicate path, limit, or an entity still in use)',
  },
  CONTROL_OPENAPI_INVALID: {
    status: 400,
    expose: true,
    summary: 'the OpenAPI or Swagger document to import cannot be read or is invalid',
  },
  CONTROL_POLICY_INVALID: {
    status: 400,
    expose: true,
    summary: 'the policy XML is malformed or uses an unsupported element or attribute',
  },
  CONTROL_ENTITY_EXISTS: {
    status: 409,
    expose: true,
    summary: 'a PUT with If-None-Match: * names something that exists already',
  },
  CONTROL_BACKEND_NOT_FOUND: {
    status: 404,
    expose: true,
    summary: 'no function app, web app or container app has this name',
  },
  CONTROL_NOT_SUPPORTED: {
    status: 501,
    expose: true,
    summary: "an operation of Azure's management API that Portico does not implement",
  },
  CONTROL_BACKEND_EXISTS: { status: 409, expose: true, summary: 'a backend resource with this name exists' },
  CONTROL_BACKEND_IN_USE: {
    status: 409,
    expose: true,
    summary: 'the function app, web app or container app is linked to a site; unlink it first',
  },
  CONTROL_LINK_REFUSED: {
    status: 400,
    expose: true,
    summary: 'the backend cannot be linked (plan, environment, backend type or network constraint)',
  },
  CONTROL_LINK_NOT_FOUND: { status: 404, expose: true, summary: 'the environment has no linked backend' },
  DEPLOY_SITE_MISMATCH: {
    status: 409,
    expose: true,
    summary: "the deployment token is another site's than the one the request names",
  },
  DEPLOY_TOKEN_INVALID: {
    status: 401,
    expose: true,
    summary: 'the deployment token is missing, wrong or reset',
  },
  DEPLOY_NOT_FOUND: { status: 404, expose: true, summary: 'no such deployment' },
  DEPLOY_CLOSE_PRODUCTION: {
    status: 400,
    expose: true,
    summary: 'production cannot be closed with the deployment token; only preview environments close',
  },
  DEPLOY_MANIFEST_INVALID: { status: 400, expose: true, summary: 'the list of files to deploy is invalid' },
  DEPLOY_TOO_LARGE: {
    status: 400,
    expose: true,
    summary: 'the app content exceeds the size limit of the plan',
  },
  DEPLOY_TOO_MANY_FILES: { status: 400, expose: true, summary: 'the app has more than 15,000 files' },
  DEPLOY_FILE_MISMATCH: {
    status: 400,
    expose: true,
    summary: 'an uploaded file does not match its hash or size',
  },
  DEPLOY_INCOMPLETE: { status: 409, expose: true, summary: 'files of the deployment have not been uploaded' },
  DEPLOY_STATE: { status: 409, expose: true, summary: 'the deployment is not in a state that allows this' },
  DEPLOY_CONFIG_INVALID: {
    status: 400,
    expose: true,
    summary: 'the deployed staticwebapp.config.json is invalid',
  },
  DEPLOY_API_INVALID: {
    status: 400,
    expose: true,
    summary: 'the deployed API cannot be installed or loaded',
  },
  DEPLOY_NOTHING_TO_ROLL_BACK: { status: 409, expose: true, summary: 'no earlier deployment to restore' },
  SERVE_SECRET_KEY_MISSING: {
    status: 500,
    expose: true,
    summary: 'the data was sealed under a service key that is not available (key file or PORTICO_SECRET_KEY)',
  },
  SERVE_SECRET_KEY_MISMATCH: {
    status: 500,
    expose: true,
    summary: 'the service key in force is not the one the data was sealed under',
  },
  SERVE_SECRET_KEY_INVALID: {
    status: 500,
    expose: true,
    summary: 'the service key file cannot be read or holds no key, or two key sources are set',
  },
  CONTROL_DOMAIN_NAME_INVALID: {
    status: 400,
    expose: true,
    summary:
      'the custom domain is not a valid host name (no wildcard, no IP address, no Unicode or xn-- name)',
  },
  CONTROL_DOMAIN_IN_USE: {
    status: 409,
    expose: true,
    summary: 'another site already uses this custom domain',
  },
  CONTROL_DOMAIN_NOT_FOUND: { status: 404, expose: true, summary: 'the site has no such custom domain' },
  CONTROL_DOMAIN_LIMIT: { status: 400, expose: true, summary: 'the plan allows no more custom domains' },
  CONTROL_DOMAIN_RECORD_WRONG: {
    status: 400,
    expose: true,
    summary: 'validate: the DNS record of the custom domain points at something else',
  },
  CONTROL_DOMAIN_METHOD_INVALID: {
    status: 400,
    expose: true,
    summary: 'the validation method is unknown or does not fit the domain',
  },
  CONTROL_FUNCTIONS_UNAVAILABLE: {
    status: 502,
    expose: true,
    summary: "the environment's functions cannot be listed: its API app does not load",
  },
  TLS_CERTIFICATE_INVALID: {
    status: 400,
    expose: true,
    summary: 'a certificate or key cannot be read, does not match or does not cover the host',
  },
  TLS_ACME_FAILED: { status: 502, expose: true, summary: 'the ACME server refused or failed an order' },
  SERVE_NEW_DATABASE_REFUSED: {
    status: 500,
    expose: true,
    summary:
      'the database is new but the data folder shows the node served another one (start once with --new-database to mean it)',
  },
  SERVE_NEW_DATABASE_SET_ASIDE_FAILED: {
    status: 500,
    expose: true,
    summary: "--new-database could not move the earlier database's files aside in the data folder",
  },
  SERVE_DATA_NOT_A_FOLDER: {
    status: 500,
    expose: true,
    summary: 'the --data path is not a folder, or cannot be created',
  },
  SERVE_ACCESS_LOG_UNWRITABLE: {
    status: 500,
    expose: true,
    summary: 'the --access-log file cannot be opened for writing',
  },
  CLI_USAGE: { status: 400, expose: true, summary: 'the command line was invalid' },
  CLI_START_FAILED: { status: 500, expose: true, summary: 'the dev server could not start' },
  CLI_SWA_CONFIG_INVALID: {
    status: 400,
    expose: true,
    summary: 'swa-cli.config.json or a SWA_CLI_* variable is invalid',
  },
  CLI_SWA_CONFIG_NAME_UNKNOWN: {
    status: 400,
    expose: true,
    summary: 'swa-cli.config.json has no configuration of that name',
  },
  CLI_TLS_INVALID: {
    status: 400,
    expose: true,
    summary: 'the --ssl certificate or key cannot be read or used',
  },
  CLI_INIT_CONFLICT: {
    status: 409,
    expose: true,
    summary: 'swa-cli.config.json already has that configuration',
  },
  CLI_BUILD_FAILED: { status: 500, expose: true, summary: 'a build or install command failed' },
  CLI_PORT_IN_USE: { status: 500, expose: true, summary: 'the port portico start listens on is taken' },
  CLI_DEVSERVER_EXITED: {
    status: 500,
    expose: true,
    summary: 'the --run command exited before its dev server answered',
  },
  CLI_DEVSERVER_TIMEOUT: {
    status: 500,
    expose: true,
    summary: 'the dev server did not answer within --devserver-timeout',
  },
  CLI_CONNECTION_MISSING: {
    status: 400,
    expose: true,
    summary: 'no admin or deployment token was given (flag, environment variable or file)',
  },
  CLIENT_REQUEST_FAILED: {
    status: 500,
    expose: true,
    summary: 'the Portico server refused a management request',
  },
  CLIENT_SERVER_UNREACHABLE: { status: 502, expose: true, summary: 'the Portico server cannot be reached' },
  CLIENT_URL_INVALID: {
    status: 400,
    expose: true,
    summary:
      'the server URL is malformed (a port above 65535, a second :port, an IPv6 address without ], a bare % in the password)',
  },
  CLIENT_PROTOCOL_MISMATCH: {
    status: 400,
    expose: true,
    summary: 'the server speaks plain HTTP to an https:// URL, or TLS to an http:// one',
  },
  CLIENT_SERVER_UNTRUSTED: {
    status: 400,
    expose: true,
    summary:
      'the server’s TLS certificate is not trusted here (self-signed, a private CA, expired, or for another name)',
  },
  CLIENT_FOLDER_UNREADABLE: {
    status: 400,
    expose: true,
    summary: 'a folder to deploy is missing or cannot be read',
  },
  INTERNAL: { status: 500, expose: false, summary: 'unexpected internal error' },
} as const satisfies Record<string, { status: number; expose: boolean; summary: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** Base error: a code from {@link ERROR_CODES}, the HTTP status it maps to, and whether it is a user error. */
/** One itemised problem of an error: where (a JSON path or file) and what. */
export interface ErrorDetail {
  readonly path: string;
  readonly message: string;
}

/**
 * How to fix an error, as data, for errors whose fix is an action a client offers in its own terms: the
 * REST API sends it beside the message (`problem` and `remedy`), and the portal words it as its own
 * controls (docs/decisions/0102-error-remedies.md). The CLI wording is {@link describeCliRemedy}.
 */
export type Remedy =
  /** Move `site` to the Standard plan. */
  | { readonly kind: 'standard-plan'; readonly site: string }
  /** Delete the custom domain `domain` from the site `site` that holds it. */
  | { readonly kind: 'delete-domain'; readonly site: string; readonly domain: string }
  /** See the sites there are (the one named is not one of them, e.g. deleted meanwhile). */
  | { readonly kind: 'list-sites' }
  /** See the users of `site` (the one named is not one of them, e.g. removed meanwhile). */
  | { readonly kind: 'list-users'; readonly site: string };

/** A remedy in the CLI's words: the command that applies it. */
export function describeCliRemedy(remedy: Remedy): string {
  switch (remedy.kind) {
    case 'standard-plan':
      return `Change it with 'portico site plan ${remedy.site} standard'.`;
    case 'delete-domain':
      return `Delete it there first (portico domain delete --site ${remedy.site} ${remedy.domain}).`;
    case 'list-sites':
      return "Run 'portico site list' to see them.";
    case 'list-users':
      return `Run portico users list --site ${remedy.site} to see them.`;
  }
}

/** The one error class of Portico: a catalog code, an HTTP status and whether users may see the message. */
export class PorticoError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly expose: boolean;
  /**
   * With a {@link Remedy}: what was wrong, without how to fix it. The message is this, then the remedy
   * in the CLI's words (what REST callers and the CLI show); a client with its own controls words the
   * remedy itself.
   */
  readonly problem?: string;
  readonly remedy?: Remedy;
  /** Itemised problems (e.g. one per config error with its JSON path), shown by the REST API and the CLI. */
  readonly details?: readonly ErrorDetail[];
  /** The exit code the CLI ends with for this error (default 1), e.g. a failed `--run` command's own. */
  readonly exitCode?: number;

  constructor(
    code: ErrorCode,
    message: string,
    options?: {
      cause?: unknown;
      status?: number;
      details?: readonly ErrorDetail[];
      exitCode?: number;
      remedy?: Remedy;
    },
  ) {
    const remedy = options?.remedy;
    super(
      remedy === undefined ? message : `${message} ${describeCliRemedy(remedy)}`,
      options?.cause === undefined ? undefined : { cause: options.cause },
    );
    if (remedy !== undefined) {
      this.problem = message;
      this.remedy = remedy;
    }
    this.name = 'PorticoError';
    this.code = code;
    this.status = options?.status ?? ERROR_CODES[code].status;
    this.expose = ERROR_CODES[code].expose;
    if (options?.details !== undefined) {
      this.details = options.details;
    }
    if (options?.exitCode !== undefined) {
      this.exitCode = options.exitCode;
    }
  }
}

/** True for errors caused by the user's input (config, request, command line), which are never crashes. */
export function isUserError(error: unknown): error is PorticoError {
  return error instanceof PorticoError && error.expose;
}

/** True for the database out of reach, as the storage layer reports it (`STORAGE_UNAVAILABLE`). */
export function isStorageUnavailable(error: unknown): error is PorticoError {
  return error instanceof PorticoError && error.code === 'STORAGE_UNAVAILABLE';
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
