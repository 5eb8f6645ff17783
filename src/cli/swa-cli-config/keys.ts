/**
 * The keys of a `swa-cli.config.json` configuration, named as Microsoft's SWA CLI names them, and what
 * Portico does with each: the keys it applies (with their value kind), and the keys the SWA CLI reads
 * that Portico ignores, each with the reason shown to the user.
 */

/** The value kinds of the keys Portico applies. */
export type SwaValueKind = 'path' | 'string' | 'url' | 'port' | 'boolean' | 'seconds' | 'environment';

/** The options Portico takes from a configuration, the environment or the command line (SWA CLI names). */
export interface SwaCliOptions {
  readonly appLocation?: string;
  readonly outputLocation?: string;
  readonly appDevserverUrl?: string;
  readonly apiLocation?: string;
  readonly apiDevserverUrl?: string;
  readonly run?: string;
  readonly port?: number;
  readonly host?: string;
  readonly ssl?: boolean;
  readonly sslCert?: string;
  readonly sslKey?: string;
  readonly swaConfigLocation?: string;
  readonly open?: boolean;
  readonly devserverTimeout?: number;
  readonly appBuildCommand?: string;
  readonly apiBuildCommand?: string;
  /** What the SWA CLI passes to `func start`; Portico keeps its `--language-worker` options (func-args.ts). */
  readonly funcArgs?: string;
  /** The environment `deploy` deploys to (`--env`, `SWA_CLI_DEPLOY_ENV`); `production` when unset. */
  readonly env?: string;
  /** `swa deploy --dry-run`: `portico deploy` has no dry run and refuses to deploy when it is true. */
  readonly dryRun?: boolean;
}

export type SwaCliKey = keyof SwaCliOptions;

/** Every key Portico applies, with its kind. Paths are relative to the file's folder. */
export const SWA_CLI_KEYS: Readonly<Record<SwaCliKey, SwaValueKind>> = {
  appLocation: 'path',
  outputLocation: 'path',
  appDevserverUrl: 'url',
  apiLocation: 'path',
  apiDevserverUrl: 'url',
  run: 'string',
  port: 'port',
  host: 'string',
  ssl: 'boolean',
  sslCert: 'path',
  sslKey: 'path',
  swaConfigLocation: 'path',
  open: 'boolean',
  devserverTimeout: 'seconds',
  appBuildCommand: 'string',
  apiBuildCommand: 'string',
  funcArgs: 'string',
  env: 'environment',
  dryRun: 'boolean',
};

const NOT_NEEDED_API_PORT = 'Portico runs the API in its own worker on a free loopback port';
const DATA_API = 'Portico has no Data API builder; run it yourself and proxy to it from your API';
const DEPLOY =
  'used by `swa deploy` to find the app in Azure; `portico deploy` takes --site and --deployment-token instead';
const LOGIN = 'used by `swa login`; Portico does not sign in to Azure';
const DB_INIT = 'used by `swa db init`; Portico has no Data API builder';

/** Keys the SWA CLI reads that Portico knows but ignores, and why (the warning says so). */
export const IGNORED_SWA_CLI_KEYS: Readonly<Record<string, string>> = {
  apiPort: NOT_NEEDED_API_PORT,
  dataApiLocation: DATA_API,
  dataApiDevserverUrl: DATA_API,
  dataApiPort: DATA_API,
  githubActionWorkflowLocation: 'Portico reads locations from swa-cli.config.json and flags only',
  verbose: 'use --verbose for one log line per request',
  printConfig: 'Portico prints the configuration it uses when it starts',
  apiLanguage: 'Portico runs Node.js Functions apps only',
  apiVersion: 'Portico runs the API with the Node.js that runs Portico',
  auto: 'used by `swa build --auto`; `portico build` always detects what the file does not say',
  yes: 'used by `swa init --yes`',
  appName: DEPLOY,
  deploymentToken:
    'keep the deployment token out of files: pass --deployment-token or set SWA_CLI_DEPLOYMENT_TOKEN',
  printToken: 'used by `swa deploy --print-token`; portico site token <name> prints it',
  subscriptionId: LOGIN,
  resourceGroup: LOGIN,
  tenantId: LOGIN,
  clientId: LOGIN,
  clientSecret: LOGIN,
  useKeychain: LOGIN,
  clearCredentials: LOGIN,
  databaseType: DB_INIT,
  connectionString: DB_INIT,
  cosmosdb_nosqlDatabase: DB_INIT,
  cosmosdb_nosqlContainer: DB_INIT,
  folderName: DB_INIT,
};

/** The SWA CLI's commands, whose names may hold per-command overrides inside a configuration. */
export const SWA_CLI_COMMANDS = ['login', 'init', 'start', 'deploy', 'build', 'db init'] as const;

export type SwaCliCommand = (typeof SWA_CLI_COMMANDS)[number];

/** True when `key` is one Portico applies. */
export function isSwaCliKey(key: string): key is SwaCliKey {
  return Object.hasOwn(SWA_CLI_KEYS, key);
}
