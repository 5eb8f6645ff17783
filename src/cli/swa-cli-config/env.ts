/**
 * The `SWA_CLI_*` environment variables the SWA CLI reads for the options Portico applies. They are the
 * lowest layer: a configuration in swa-cli.config.json and the command line both win over them. Read only
 * here, from the environment object the command passes in (never at import time).
 */
import { PorticoError } from '../../shared/errors.js';
import { SWA_CLI_KEYS, type SwaCliKey, type SwaCliOptions } from './keys.js';
import { checkSwaValue } from './values.js';

/** Variable name → option, as the SWA CLI maps them. */
export const SWA_CLI_ENV_VARIABLES: Readonly<Record<string, SwaCliKey>> = {
  SWA_CLI_APP_LOCATION: 'appLocation',
  SWA_CLI_OUTPUT_LOCATION: 'outputLocation',
  SWA_CLI_API_LOCATION: 'apiLocation',
  SWA_CLI_APP_DEVSERVER_URL: 'appDevserverUrl',
  SWA_CLI_API_DEVSERVER_URL: 'apiDevserverUrl',
  SWA_CLI_STARTUP_COMMAND: 'run',
  SWA_CLI_PORT: 'port',
  SWA_CLI_HOST: 'host',
  SWA_CLI_APP_SSL: 'ssl',
  SWA_CLI_APP_SSL_CERT: 'sslCert',
  SWA_CLI_APP_SSL_KEY: 'sslKey',
  SWA_RUNTIME_CONFIG_LOCATION: 'swaConfigLocation',
  SWA_CLI_OPEN_BROWSER: 'open',
  SWA_CLI_SERVER_TIMEOUT: 'devserverTimeout',
  SWA_CLI_APP_BUILD_COMMAND: 'appBuildCommand',
  SWA_CLI_API_BUILD_COMMAND: 'apiBuildCommand',
  SWA_CLI_DEPLOY_ENV: 'env',
  SWA_CLI_DEPLOY_DRY_RUN: 'dryRun',
};

/** Variables only `deploy` reads: `start` and `build` neither use nor check them. */
const DEPLOY_ONLY_VARIABLES: ReadonlySet<string> = new Set(['SWA_CLI_DEPLOY_ENV', 'SWA_CLI_DEPLOY_DRY_RUN']);

const NO_DEPLOY_BINARY =
  "Portico's deploy sends the files itself, with no StaticSitesClient binary to choose";

/**
 * Variables `swa deploy` reads that `portico deploy` does not apply, and why: a pipeline written for the
 * SWA CLI may set them, and `portico deploy` says it ignores them rather than leaving them unnoticed.
 */
export const IGNORED_SWA_CLI_DEPLOY_VARIABLES: Readonly<Record<string, string>> = {
  SWA_CLI_DEPLOY_BINARY_VERSION: NO_DEPLOY_BINARY,
  SWA_CLI_DEPLOY_BINARY: NO_DEPLOY_BINARY,
  SWA_CLI_APP_NAME:
    'it names the app in Azure for `swa deploy` without a token; Portico finds the site from the deployment token (or --site)',
  SWA_CLI_API_LANGUAGE:
    'Portico runs Node.js Functions apps only, with the Node.js it runs on; the API folder is checked for another language',
  SWA_CLI_API_VERSION: 'Portico runs the API with the Node.js that runs Portico',
};

/** A warning for each variable of {@link IGNORED_SWA_CLI_DEPLOY_VARIABLES} set (not empty) in `env`. */
export function ignoredDeployVariables(env: Readonly<Record<string, string | undefined>>): string[] {
  return Object.entries(IGNORED_SWA_CLI_DEPLOY_VARIABLES)
    .filter(([variable]) => (env[variable] ?? '').trim() !== '')
    .map(([variable, why]) => `${variable} is set, and portico deploy ignores it: ${why}.`);
}

/**
 * The options set by `SWA_CLI_*` variables of `env` (empty values count as unset, as in the SWA CLI).
 * The deploy variables are read for `deploy` only: a shell that keeps one for its pipeline still starts.
 */
export function readSwaCliEnv(
  env: Readonly<Record<string, string | undefined>>,
  forDeploy = false,
): SwaCliOptions {
  const options: Record<string, unknown> = {};
  const errors: string[] = [];
  for (const [variable, key] of Object.entries(SWA_CLI_ENV_VARIABLES)) {
    const raw = env[variable];
    if (raw === undefined || raw === '' || (!forDeploy && DEPLOY_ONLY_VARIABLES.has(variable))) {
      continue;
    }
    const check = checkSwaValue(SWA_CLI_KEYS[key], raw, true);
    if (check.ok) {
      options[key] = check.value;
    } else {
      errors.push(`${variable}: ${check.message}`);
    }
  }
  if (errors.length > 0) {
    throw new PorticoError(
      'CLI_SWA_CONFIG_INVALID',
      `invalid environment variables (unset or fix them):\n${errors.map((e) => `  - ${e}`).join('\n')}`,
    );
  }
  return options as SwaCliOptions;
}
