/**
 * Resolves what `portico deploy [configName|folder]` deploys, as `swa deploy` does: the built app
 * (`appLocation/outputLocation`, or the folder given), the API (`apiLocation`) and where the app's
 * staticwebapp.config.json is (`swaConfigLocation`, else `appLocation`), from the command line,
 * swa-cli.config.json and `SWA_CLI_*` variables. A folder argument leaves the file's configurations out
 * unless `--config-name` names one, as for `portico start`.
 */
import { assertNodeFunctionsApp } from '../../functions-host/app-language.js';
import { PorticoError } from '../../shared/errors.js';
import { clip } from '../../shared/quote.js';
import { ignoredDeployVariables, readSwaCliEnv } from './env.js';
import { createLayers, type OptionLayer, pick, pickGroup, pickPath, type ResolveInput } from './layers.js';
import { resolveAppFolder, targetNamed, withPositional } from './resolve-start.js';
import { selectConfiguration } from './select.js';

/** What to do with an API Portico cannot run: host it elsewhere and link it. */
const HOST_IT_ELSEWHERE =
  'Nothing was sent: a deployment of it could not run. Deploy the site without --api (apiLocation), host the API where it runs (an Azure Function App, or `func start` on a server) and link the environment to it: portico webapp create <name> --backend-url <its URL>, then portico link --site <site> --backend-type webapp --resource <name>.';

/** What `portico deploy` packs, with absolute paths. */
export interface ResolvedDeploy {
  /** The built front end. */
  readonly appDir: string;
  readonly apiDir?: string;
  /** Where the app's staticwebapp.config.json is looked for when it is not in {@link appDir}. */
  readonly configDir: string;
  /** True when `swaConfigLocation` names {@link configDir}: its config is the one deployed. */
  readonly configNamed: boolean;
  /** The folder of the swa-cli.config.json read, if any (a config left there is worth a warning). */
  readonly projectDir?: string;
  /** `--env`, else the configuration's `env`, else `SWA_CLI_DEPLOY_ENV`, else production. */
  readonly environment: string;
  readonly warnings: readonly string[];
  readonly notes: readonly string[];
}

/** Merges the layers (flags > file > variables); a user error when nothing names the folder to deploy. */
export async function resolveDeployOptions(input: ResolveInput): Promise<ResolvedDeploy> {
  const positional = input.positional?.trim() || undefined;
  const chosen = await selectConfiguration({
    command: 'deploy',
    positional,
    configPath: input.configPath,
    configName: input.configName,
    cwd: input.cwd,
  });
  const folderArg = chosen.positionalIsName ? undefined : positional;
  const selected = targetNamed(chosen, folderArg, false, input);
  const layers = createLayers(withPositional(input.flags, undefined, folderArg), selected, input, true);
  refuseDryRun(layers, input.env);
  if (pickGroup(layers, ['appLocation', 'outputLocation']) === undefined) {
    throw new PorticoError(
      'CLI_USAGE',
      'Name the folder to deploy: portico deploy <folder of the built app>, --output-location (with --app-location), or a swa-cli.config.json configuration with outputLocation.',
    );
  }
  const { appDir, configDir, configNamed } = resolveAppFolder(
    layers,
    folderArg,
    selected,
    input.cwd,
    'deploy',
  );
  const apiDir = pickPath(layers, 'apiLocation');
  if (apiDir !== undefined) {
    assertNodeFunctionsApp(apiDir, HOST_IT_ELSEWHERE);
  }
  return {
    appDir,
    configDir,
    configNamed,
    ...(apiDir === undefined ? {} : { apiDir }),
    ...(selected.dir === undefined ? {} : { projectDir: selected.dir }),
    environment: pick(layers, 'env')?.value ?? 'production',
    warnings: [...selected.warnings, ...ignoredDeployVariables(input.env)],
    notes: selected.notes,
  };
}

/**
 * Where the dry run was asked for, for messages: the variable as the user set it (`=1`, `=yes`, not a
 * value they never wrote) for the environment layer.
 */
function dryRunSource(layer: OptionLayer, env: Environment): string {
  switch (layer.source) {
    case 'command line':
      return 'the command line';
    case 'swa-cli.config.json':
      return '"dryRun": true in swa-cli.config.json';
    case 'environment':
      return `SWA_CLI_DEPLOY_DRY_RUN=${clip(env.SWA_CLI_DEPLOY_DRY_RUN ?? 'true')}`;
  }
}

type Environment = Readonly<Record<string, string | undefined>>;

/**
 * `swa deploy --dry-run` (`SWA_CLI_DEPLOY_DRY_RUN=true`, `"dryRun": true`) deploys nothing. Portico has no
 * dry run, and deploying for real where one was asked for would be a surprise, so it refuses
 * (docs/decisions/0079-swa-cli-deploy-variables.md).
 */
function refuseDryRun(
  layers: readonly OptionLayer[],
  env: Environment,
  action: DeployAction = 'deploy',
): void {
  const dryRun = pick(layers, 'dryRun');
  if (dryRun?.value !== true) {
    return;
  }
  const command = action === 'deploy' ? 'deploy' : `deploy ${action}`;
  const verb = action === 'rollback' ? 'roll back' : action;
  throw new PorticoError(
    'CLI_USAGE',
    `${dryRunSource(dryRun.layer, env)} asks for a dry run, which portico ${command} does not have; nothing was sent. Unset it (or set it to false) to ${verb}.`,
  );
}

type DeployAction = 'deploy' | 'rollback' | 'close';

/**
 * What the SWA CLI's deploy variables ask of `deploy rollback` and `deploy close`, as of `deploy`: the
 * environment (`SWA_CLI_DEPLOY_ENV`, for `--env` when it is not given), and no dry run, which neither has.
 */
export function readDeployVariables(
  env: Environment,
  action: Exclude<DeployAction, 'deploy'>,
): { readonly environment?: string } {
  const layers: OptionLayer[] = [{ source: 'environment', options: readSwaCliEnv(env, true), baseDir: '' }];
  refuseDryRun(layers, env, action);
  const environment = pick(layers, 'env')?.value;
  return environment === undefined ? {} : { environment };
}
