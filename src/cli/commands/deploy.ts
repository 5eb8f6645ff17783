/**
 * `portico deploy <appDir>`: packs a built front end (and an optional Azure Functions API), sends the file
 * list, uploads only the contents the server lacks and commits, so nothing changes until everything has
 * arrived (CONTRACT §5, docs/rest-api.md "Deployments"). `deploy rollback` restores an earlier
 * deployment, `deploy list` shows them and `deploy close` closes a preview environment (Azure's
 * `action: close`) with the deployment token alone.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { apiFilterOf, FUNCIGNORE_FILE } from '../../client/funcignore.js';
import {
  type CreatedDeployment,
  createDeployClient,
  createManagementClient,
  type Deployment,
  nestedFolder,
  type PackedFolder,
  packDirectory,
  SITE_CONFIG_FILE,
} from '../../client/index.js';
import { countOf } from '../../shared/count.js';
import { PorticoError } from '../../shared/errors.js';
import {
  addConnectionOptions,
  connectAdmin,
  findAdminToken,
  type JsonFlags,
  resolveUrl,
} from '../connection.js';
import { type ConfigPlace, withSiteConfig } from '../deploy-config.js';
import { commitWithLog } from '../deploy-log.js';
import { parseEnvironment, parsePreviewEnvironment } from '../options.js';
import {
  addJsonOption,
  formatBytes,
  formatTime,
  writeJson,
  writeNote,
  writeResult,
  writeTable,
} from '../output.js';
import {
  addConfigFileOptions,
  commandLineInput,
  readDeployVariables,
  resolveDeployOptions,
  type SwaCliStartFlags,
} from '../swa-cli-config/index.js';
import { uploadMissing } from '../upload.js';

interface TokenFlags extends JsonFlags {
  readonly site?: string;
  readonly env: string;
  readonly deploymentToken?: string;
}

interface CloseFlags extends Omit<TokenFlags, 'env'> {
  readonly env?: string;
}

type LocationFlags = Pick<
  SwaCliStartFlags,
  'api' | 'apiLocation' | 'appLocation' | 'outputLocation' | 'swaConfigLocation' | 'config' | 'configName'
>;

interface DeployFlags extends Omit<TokenFlags, 'env'>, LocationFlags {
  /** Unset when not given: the configuration's `env` or `SWA_CLI_DEPLOY_ENV` may name it. */
  readonly env?: string;
  readonly includeDotenv?: boolean;
}

interface RollbackFlags extends Omit<TokenFlags, 'env'> {
  readonly env?: string;
  readonly to?: string;
}

interface ListFlags extends JsonFlags {
  readonly site: string;
  readonly env: string;
}

const ENV_HELP =
  "environment: 'production' (also 'default', in any case: production's REST build name) or a name of 1-16 letters and digits";
const TOKEN_HELP =
  'deployment token of the site (env SWA_CLI_DEPLOYMENT_TOKEN or PORTICO_DEPLOYMENT_TOKEN; default: fetched with the admin token)';

/** The word `deploy help` takes as the help command, unless a file or folder of that name is here. */
const HELP_FOLDER = 'help';

/** Adds `deploy`, `deploy rollback`, `deploy close` and `deploy list` to the program (needs positional options). */
export function registerDeployCommands(program: Command): void {
  const deploy = addLocationOptions(addJsonOption(addConnectionOptions(program.command('deploy'))))
    .description(
      'Deploy a built front end and an optional Azure Functions API to a site; reads swa-cli.config.json',
    )
    .enablePositionalOptions()
    .argument(
      '[target]',
      'the folder with the built front end, or a configuration name of swa-cli.config.json',
    )
    .option('--site <name>', 'the site (needed unless a deployment token is given)')
    .option(
      '--env <env>',
      `${ENV_HELP}; created on first deploy (env SWA_CLI_DEPLOY_ENV; default: production)`,
      parseEnvironment,
    )
    .option('--deployment-token <token>', TOKEN_HELP)
    .option(
      '--include-dotenv',
      'also upload .env* files (left out by default: they usually hold local secrets)',
    )
    .action((target: string | undefined, flags: DeployFlags) => runDeploy(target, flags))
    // `deploy help [command]` as in every other group, unless a folder named help is what is deployed.
    .helpCommand(!existsSync(HELP_FOLDER));
  addJsonOption(addConnectionOptions(deploy.command('rollback')))
    .description(
      'Make an earlier successful deployment live again (default: the newest one before the live one with other content)',
    )
    .option('--site <name>', 'the site (needed unless a deployment token is given)')
    .option('--env <env>', `${ENV_HELP} (default: SWA_CLI_DEPLOY_ENV, else production)`, parseEnvironment)
    .option('--to <deploymentId>', 'the deployment to restore (see portico deploy list)')
    .option('--deployment-token <token>', TOKEN_HELP)
    .action((flags: RollbackFlags) => runRollback(flags));
  addJsonOption(addConnectionOptions(deploy.command('close')))
    .description(
      "Close a preview environment, as Azure's deploy action does with action: close when a pull request closes: it goes with its content, deployments and settings; one already closed is not an error",
    )
    .option(
      '--env <env>',
      'the preview environment to close (1-16 letters and digits; not production); required: SWA_CLI_DEPLOY_ENV is not read',
      parsePreviewEnvironment,
    )
    .option('--site <name>', 'the site (needed unless a deployment token is given)')
    .option('--deployment-token <token>', TOKEN_HELP)
    .action((flags: CloseFlags) => runClose(flags));
  addJsonOption(addConnectionOptions(deploy.command('list')))
    .description('List the deployments of an environment, newest first')
    .requiredOption('--site <name>', 'the site')
    .option('--env <env>', ENV_HELP, parseEnvironment, 'production')
    .action((flags: ListFlags) => listDeployments(flags));
}

/** The locations `swa deploy` takes, spelled as it spells them; `--api` is Portico's name for `--api-location`. */
function addLocationOptions(command: Command): Command {
  return addConfigFileOptions(command)
    .option('--api <apiDir>', 'Azure Functions app folder to deploy as the managed API')
    .option('--api-location <apiDir>', 'the same as --api (the SWA CLI spelling)')
    .option('--app-location <dir>', 'the app folder; holds staticwebapp.config.json (default: .)')
    .option('--output-location <dir>', 'the built front end, relative to --app-location')
    .option(
      '--swa-config-location <dir>',
      'folder holding the staticwebapp.config.json to deploy (default: the app folder)',
    );
}

async function runDeploy(target: string | undefined, flags: DeployFlags): Promise<void> {
  const resolved = await resolveDeployOptions(commandLineInput(target, flags));
  for (const line of [...resolved.notes, ...resolved.warnings]) {
    writeNote(line);
  }
  const url = resolveUrl(flags, process.env);
  const env = resolved.environment;
  const deploymentToken = await resolveDeploymentToken(flags, url, 'deploy');
  const onInterrupt = () => {
    writeNote(
      'portico: deploy interrupted. If the upload was not finished, nothing changed and what was live keeps serving (the unfinished deployment stays Uploading until its upload expires, after an hour). If it was being checked and activated, the server finishes that on its own: portico deploy list shows how it ended.',
    );
    process.exit(130);
  };
  process.once('SIGINT', onInterrupt);
  const deployment = await deployFolders({
    url,
    deploymentToken,
    appDir: resolved.appDir,
    apiDir: resolved.apiDir,
    config: {
      dir: resolved.configDir,
      named: resolved.configNamed,
      leftBehindIn: [process.cwd(), ...(resolved.projectDir === undefined ? [] : [resolved.projectDir])],
    },
    env,
    ...(flags.site === undefined ? {} : { site: flags.site }),
    includeDotenv: flags.includeDotenv === true,
  }).finally(() => process.off('SIGINT', onInterrupt));
  writeResult(flags, deployment, [`Deployed to ${deploymentTarget(deployment, env)}`]);
  const problem = deployment.properties.apiProblem;
  if (problem !== undefined) {
    writeNote(
      `portico: the content is live, but the API does not load, so /api answers 502 until it is fixed and deployed again:\n  ${problem.split('\n').join('\n  ')}`,
    );
  }
  for (const warning of deployment.properties.apiWarnings ?? []) {
    writeNote(`portico: warning: API: ${warning.split('\n').join('\n  ')}`);
  }
}

/** What {@link deployFolders} needs. */
export interface DeployFoldersOptions {
  readonly url: string;
  readonly deploymentToken: string;
  readonly appDir: string;
  readonly apiDir?: string;
  readonly env: string;
  /** The site meant (`--site`): the server refuses a deployment token of another site. */
  readonly site?: string;
  /** Upload `.env*` files too; by default they are left out and the note says which. */
  readonly includeDotenv?: boolean;
  /** Where the app's staticwebapp.config.json is when not in `appDir` (`deploy-config.ts`). */
  readonly config?: ConfigPlace;
}

/** Packs, uploads what the server lacks and commits; progress goes to stderr. Used by `deploy` and `serve --demo`. */
export async function deployFolders(options: DeployFoldersOptions): Promise<Deployment> {
  const client = createDeployClient({ url: options.url, deploymentToken: options.deploymentToken });
  const { app, api } = await packFolders(options);
  const created = await client.createDeployment({
    environment: options.env,
    ...(options.site === undefined ? {} : { site: options.site }),
    app: app.files,
    ...(api === undefined ? {} : { api: api.files }),
  });
  noteCopiedSettings(created, options.env, created.site ?? options.site);
  await uploadMissing(client, created, api === undefined ? [app] : [app, api]);
  writeNote(
    `Checking and activating the deployment${api === undefined ? '' : ' (installing API dependencies if needed)'}…`,
  );
  return commitWithLog(client, created.id);
}

/** Says that a new environment was given production's app settings, and how to change them. */
function noteCopiedSettings(created: CreatedDeployment, env: string, site: string | undefined): void {
  const copied = created.copiedAppSettings ?? [];
  if (created.environmentCreated !== true || copied.length === 0) {
    return;
  }
  writeNote(
    `Created the ${env} environment with a copy of production's app settings (${copied.join(', ')}); ` +
      `change them with portico settings set --site ${site ?? '<site>'} --env ${env} NAME=VALUE (or settings delete).`,
  );
}

/** What `--site` names for each command that takes a deployment token, as its refusal says it. */
const SITE_ROLE = {
  deploy: 'the site to deploy to',
  rollback: 'the site whose environment to roll back',
  close: 'the site whose environment to close',
} as const;

/** `--deployment-token`, the environment, or the site's token fetched with the admin token. */
async function resolveDeploymentToken(
  flags: Omit<TokenFlags, 'env'>,
  url: string,
  command: keyof typeof SITE_ROLE,
): Promise<string> {
  const given = [
    flags.deploymentToken,
    process.env.SWA_CLI_DEPLOYMENT_TOKEN,
    process.env.PORTICO_DEPLOYMENT_TOKEN,
  ]
    .map((token) => token?.trim())
    .find((token) => token !== undefined && token !== '');
  if (given !== undefined) {
    return given;
  }
  const adminToken = await findAdminToken(flags, process.env);
  if (adminToken === undefined) {
    throw new PorticoError(
      'CLI_CONNECTION_MISSING',
      'No deployment token: pass --deployment-token or set SWA_CLI_DEPLOYMENT_TOKEN, or give an admin token (--token or PORTICO_TOKEN) with --site to fetch it.',
    );
  }
  if (flags.site === undefined) {
    throw new PorticoError(
      'CLI_USAGE',
      `Pass --site <name> (${SITE_ROLE[command]}), or --deployment-token <token> of that site.`,
    );
  }
  const secrets = await createManagementClient({ url, token: adminToken }).listSecrets(flags.site);
  return secrets.properties.apiKey;
}

/** Packs the app (without an API folder nested in it) and the API (without local.settings.json). */
async function packFolders(
  options: DeployFoldersOptions,
): Promise<{ app: PackedFolder; api?: PackedFolder }> {
  const { appDir, apiDir } = options;
  const includeDotenv = options.includeDotenv === true;
  const nested = apiDir === undefined ? undefined : await nestedFolder(appDir, apiDir).catch(() => undefined);
  if (nested === '') {
    throw new PorticoError('CLI_USAGE', 'The --api folder must not be the app folder itself.');
  }
  const packed = await packDirectory(appDir, {
    exclude: (path) => path === nested,
    includeDotenv,
    servedTargetsOnly: true,
  });
  const linkedConfig = packed.skippedLinks.find((path) => path.toLowerCase() === SITE_CONFIG_FILE);
  if (linkedConfig !== undefined) {
    throw new PorticoError(
      'DEPLOY_CONFIG_INVALID',
      `${join(appDir, linkedConfig)} is a link to a file outside the app folder (or nowhere), which a deployment cannot hold; deploying without it would serve the site without its rules, so nothing was sent. Copy the file into ${appDir}.`,
    );
  }
  if (packed.files.length === 0) {
    throw new PorticoError(
      'CLI_USAGE',
      `The app folder ${appDir} holds no file to deploy${packed.skippedDotenv.length > 0 ? ' (only .env files, which stay local)' : ''}; nothing was sent. Build the app first, or give the folder of its build output.`,
    );
  }
  const app = await withSiteConfig(packed, appDir, options.config);
  writeNote(
    `Packed ${describeFolder(app)} from ${appDir}${nested === undefined ? '' : ` (without ${nested})`}.`,
  );
  noteSkippedDotenv(app, appDir);
  if (apiDir === undefined) {
    return { app };
  }
  const filter = await apiFilterOf(apiDir);
  const api = await packDirectory(apiDir, { exclude: filter.exclude, includeDotenv });
  if (!api.files.some((file) => file.path === 'host.json' || file.path === 'package.json')) {
    throw new PorticoError(
      'CLI_USAGE',
      `The API folder ${apiDir} is not an Azure Functions app: it has neither host.json nor package.json at its top; nothing was sent. Give --api the folder of your Functions app (the one holding host.json).`,
    );
  }
  const note = existsSync(join(apiDir, 'local.settings.json'))
    ? '; local.settings.json stays local, use portico settings set'
    : '';
  writeNote(`Packed ${describeFolder(api)} from ${apiDir}${note}.`);
  noteFuncignored(filter.ignored, apiDir);
  noteSkippedDotenv(api, apiDir);
  return { app, api };
}

/** Names what the API's `.funcignore` left out; without node_modules, the server installs the dependencies. */
function noteFuncignored(ignored: readonly string[], apiDir: string): void {
  if (ignored.length === 0) {
    return;
  }
  const shown = ignored.length > 8 ? [...ignored.slice(0, 8), `${ignored.length - 8} more`] : ignored;
  const install = ignored.includes('node_modules')
    ? " Without node_modules, the server installs package.json's dependencies (npm install --omit=dev)."
    : '';
  writeNote(`Left out what ${join(apiDir, FUNCIGNORE_FILE)} names: ${shown.join(', ')}.${install}`);
}

/** Says which `.env*` files and which links stayed behind, and how to send them anyway. */
function noteSkippedDotenv(folder: PackedFolder, dir: string): void {
  if (folder.skippedLinks.length > 0) {
    writeNote(
      `Left out ${countOf(folder.skippedLinks.length, 'link')} of ${dir} that point${folder.skippedLinks.length === 1 ? 's' : ''} outside it, nowhere, or at what a site never serves under another name, such as a dotfile (${folder.skippedLinks.join(', ')}): a deployment holds only the folder's own files. Copy the files in to deploy them.`,
    );
  }
  const skipped = folder.skippedDotenv;
  if (skipped.length > 0) {
    writeNote(
      `Left out ${countOf(skipped.length, '.env file')} of ${dir} (${skipped.join(', ')}): ` +
        'they usually hold local secrets. Use portico settings set for app settings, or pass --include-dotenv to upload them.',
    );
  }
}

function describeFolder(folder: PackedFolder): string {
  return `${countOf(folder.files.length, 'file')} (${formatBytes(folder.bytes)})`;
}

/** The environment's URL from the commit answer, else its host name, else the environment. */
function deploymentTarget(deployment: Deployment, env: string): string {
  const { url, hostname } = deployment.properties;
  return url ?? (hostname === undefined ? `the ${env} environment` : `http://${hostname}`);
}

/** The short id of a deployment (its resource name). */
function deploymentId(deployment: Deployment): string {
  return deployment.name ?? deployment.id.split('/').pop() ?? deployment.id;
}

async function runRollback(given: RollbackFlags): Promise<void> {
  // The SWA CLI's deploy variables hold as for deploy (decision 0079): SWA_CLI_DEPLOY_ENV, no dry run.
  const variables = readDeployVariables(process.env, 'rollback');
  const flags = { ...given, env: given.env ?? variables.environment ?? 'production' };
  const url = resolveUrl(flags, process.env);
  const deploymentToken = await resolveDeploymentToken(flags, url, 'rollback');
  const client = createDeployClient({ url, deploymentToken });
  const deployment = await client.rollback(flags.env, flags.to, flags.site);
  const at = deployment.properties.url === undefined ? '' : `; serving at ${deployment.properties.url}`;
  writeResult(flags, deployment, [
    `Rolled back ${flags.env} to deployment ${deploymentId(deployment)} of ${formatTime(deployment.properties.createdTimeUtc)}${at}.`,
  ]);
}

async function runClose(flags: CloseFlags): Promise<void> {
  const variables = readDeployVariables(process.env, 'close');
  const env = flags.env ?? missingCloseEnvironment(variables.environment);
  const url = resolveUrl(flags, process.env);
  const deploymentToken = await resolveDeploymentToken(flags, url, 'close');
  const result = await createDeployClient({ url, deploymentToken }).close(env, flags.site);
  // The environment as the server stores it (`pr2` for `--env PR2`), not as typed.
  writeResult(flags, result, [
    result.closed
      ? `Closed the ${result.environment} environment of ${result.site}: its content, deployments and settings were deleted.`
      : `The ${result.environment} environment of ${result.site} was already closed; nothing to do.`,
  ]);
}

/**
 * `deploy close` without `--env`: closing deletes an environment, so it is never chosen by a variable a
 * job's other steps share (decision 0080); when SWA_CLI_DEPLOY_ENV is set, the refusal says so.
 */
function missingCloseEnvironment(fromVariable: string | undefined): never {
  const variable =
    fromVariable === undefined
      ? ''
      : ` SWA_CLI_DEPLOY_ENV (${fromVariable}) is not read by close, so that a variable the job's deploy steps share never deletes an environment on its own.`;
  throw new PorticoError(
    'CLI_USAGE',
    `deploy close needs --env <env>, the preview environment to close.${variable} Pass it: portico deploy close --env ${fromVariable ?? 'pr42'} …`,
  );
}

async function listDeployments(flags: ListFlags): Promise<void> {
  const deployments = await (await connectAdmin(flags)).listDeployments(flags.site, flags.env);
  if (flags.json === true) {
    writeJson({ value: deployments });
    return;
  }
  writeTable(
    ['ID', 'STATUS', 'LIVE', 'FILES', 'SIZE', 'API', 'CREATED', 'ERROR'],
    deployments.map(deploymentRow),
    `No deployments in the ${flags.env} environment of ${flags.site}.`,
  );
}

function deploymentRow(deployment: Deployment): string[] {
  const p = deployment.properties;
  const error = (p.error ?? '').split('\n')[0] ?? '';
  return [
    deploymentId(deployment),
    p.status,
    p.active ? 'yes' : '',
    String(p.fileCount),
    formatBytes(p.contentBytes),
    p.hasApi ? 'yes' : 'no',
    formatTime(p.createdTimeUtc),
    error.length > 80 ? `${error.slice(0, 79)}…` : error,
  ];
}
