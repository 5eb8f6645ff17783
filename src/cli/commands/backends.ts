/**
 * `portico functionapp|webapp|containerapp …`, `portico link`, `portico unlink` and `portico backends`:
 * "bring your own" backends and the links of site environments to them (CONTRACT §5; docs/apim.md).
 */
import type { Command } from 'commander';
import { apiFilterOf } from '../../client/funcignore.js';
import {
  type DeployClient,
  type FileBody,
  type ManagementClient,
  type PackedFolder,
  packDirectory,
} from '../../client/index.js';
import {
  appsPath,
  type BackendType,
  backendResourceId,
  contentListing,
  linksPath,
  type Resource,
  type ResourceClient,
} from '../../client/resources.js';
import { PorticoError } from '../../shared/errors.js';
import { addYesOption, confirmDeletion, type YesFlags } from '../confirm.js';
import { addConnectionOptions, connectAdmin, connectResources, type JsonFlags } from '../connection.js';
import { createOrReplace } from '../create-only.js';
import { inFlagWords } from '../flag-words.js';
import { parseEnvironment, parseHttpUrl } from '../options.js';
import {
  addJsonOption,
  formatFields,
  writeJson,
  writeLines,
  writeNote,
  writeResult,
  writeTable,
} from '../output.js';
import { uploadMissing } from '../upload.js';

const BACKEND_TYPES: readonly BackendType[] = ['apim', 'functionapp', 'webapp', 'containerapp'];
type AppType = Exclude<BackendType, 'apim'>;

/** Checks `--backend-type`. */
export function parseBackendType(value: string): BackendType {
  const found = BACKEND_TYPES.find((type) => type === value.toLowerCase());
  if (found === undefined) {
    throw new PorticoError(
      'CLI_USAGE',
      `--backend-type ${value} is unknown; use ${BACKEND_TYPES.join(', ')}.`,
    );
  }
  return found;
}

function appPath(type: AppType, name: string): string {
  return `${appsPath(type)}/${encodeURIComponent(name)}`;
}

function appRow(app: Resource): string[] {
  const props = app.properties;
  return [app.name, String(props.url ?? props.backendUrl ?? ''), String(props.publicNetworkAccess ?? '')];
}

/** Adds the backend app commands and link, unlink and backends. */
export function registerBackendCommands(program: Command): void {
  registerAppCommands(
    program,
    'functionapp',
    'Function apps Portico runs for sites to link ("bring your own" Functions)',
  );
  registerAppCommands(program, 'webapp', 'Web apps: existing HTTP services sites can link ("App Service")');
  registerAppCommands(
    program,
    'containerapp',
    'Container apps: existing HTTP services sites can link ("Container Apps")',
  );
  registerLinkCommands(program);
}

interface CreateAppFlags extends JsonFlags {
  readonly replace?: boolean;
  readonly api?: string;
  readonly backendUrl?: string;
  readonly publicNetworkAccess?: string;
}

function registerAppCommands(program: Command, type: AppType, description: string): void {
  const group = program.command(type).description(description);
  const create = addJsonOption(addConnectionOptions(group.command('create')))
    .argument('<name>', "2-60 of a-z, 0-9 and '-'")
    .option('--public-network-access <access>', 'Enabled or Disabled (Disabled cannot be linked)')
    .option(
      '--replace',
      `update the ${type} if one with this name exists (linked environments follow at once; otherwise the command refuses it)`,
    );
  if (type === 'functionapp') {
    create
      .description('Create a function app from an Azure Functions app folder')
      .argument('[apiDir]', 'the Azure Functions app folder (or give it with --api)')
      .option('--api <apiDir>', 'the Azure Functions app folder (instead of the apiDir argument)');
  } else {
    create
      .description(`Create a ${type} for an existing service`)
      .requiredOption('--backend-url <url>', 'the service base URL', parseHttpUrl);
  }
  create.action((name: string, ...rest: unknown[]) => createApp(type, name, createFlags(type, rest)));
  addJsonOption(addConnectionOptions(group.command('show')))
    .description(`Show a ${type}`)
    .argument('<name>', 'the app')
    .action(async (name: string, flags: JsonFlags) => {
      const app = await (await connectResources(flags)).call<Resource>('GET', appPath(type, name));
      if (flags.json === true) {
        writeJson(app);
        return;
      }
      writeLines(
        formatFields([
          ['name', app.name],
          ['url', appRow(app)[1] ?? ''],
          ['publicNetworkAccess', appRow(app)[2] ?? ''],
        ]),
      );
    });
  addJsonOption(addConnectionOptions(group.command('list')))
    .description(`List the ${type}s`)
    .action(async (flags: JsonFlags) => {
      const apps = (await (await connectResources(flags)).list(appsPath(type))).filter(
        (app) => type === 'containerapp' || (app.kind === 'functionapp') === (type === 'functionapp'),
      );
      if (flags.json === true) {
        writeJson({ value: apps });
        return;
      }
      writeTable(
        ['NAME', 'URL', 'NETWORK'],
        apps.map(appRow),
        `No ${type}s yet; create one with portico ${type} create <name>.`,
      );
    });
  addYesOption(addJsonOption(addConnectionOptions(group.command('delete'))))
    .description(`Delete a ${type} (refused while an environment is linked to it: unlink it first)`)
    .argument('<name>', 'the app')
    .action(async (name: string, flags: JsonFlags & YesFlags) => {
      const client = await connectResources(flags);
      await confirmDeletion(`the ${type} ${name}`, flags);
      await client.call('DELETE', appPath(type, name));
      writeResult(flags, { type, name, deleted: true }, [`Deleted ${type} ${name}.`]);
    });
}

/**
 * The flags of `<type> create`; a function app's folder comes from the `[apiDir]` argument or `--api`
 * (exactly one of them).
 */
function createFlags(type: AppType, rest: readonly unknown[]): CreateAppFlags {
  if (type !== 'functionapp') {
    return rest[0] as CreateAppFlags;
  }
  const [apiDir, flags] = rest as [string | undefined, CreateAppFlags];
  if (apiDir !== undefined && flags.api !== undefined && apiDir !== flags.api) {
    throw new PorticoError(
      'CLI_USAGE',
      `Give the function app folder once: either as the argument (${apiDir}) or with --api (${flags.api}).`,
    );
  }
  const api = apiDir ?? flags.api;
  if (api === undefined) {
    throw new PorticoError(
      'CLI_USAGE',
      'Say which Azure Functions app folder to run: portico functionapp create <name> <apiDir> (or --api <apiDir>).',
    );
  }
  return { ...flags, api };
}

/** The fields of a backend app `<type> create` sets from its flags. */
const APP_FLAGS = {
  'properties.backendUrl': '--backend-url',
  'properties.publicNetworkAccess': '--public-network-access',
};

async function createApp(type: AppType, name: string, flags: CreateAppFlags): Promise<void> {
  const client = await connectResources(flags);
  const access =
    flags.publicNetworkAccess === undefined ? {} : { publicNetworkAccess: flags.publicNetworkAccess };
  const kind = type === 'containerapp' ? {} : { kind: type === 'functionapp' ? 'functionapp' : 'app' };
  const properties = {
    ...(flags.backendUrl === undefined ? {} : { backendUrl: flags.backendUrl }),
    ...access,
  };
  // The folder is read before anything is created: a wrong folder leaves no function app behind.
  const folder =
    type === 'functionapp' && flags.api !== undefined
      ? await packDirectory(flags.api, { exclude: (await apiFilterOf(flags.api)).exclude })
      : undefined;
  let app = await inFlagWords(
    createOrReplace(client, appPath(type, name), properties, {
      replace: flags.replace === true,
      extra: kind,
      exists: `The ${type} ${name} exists already and was left as it was; pick another name, or pass --replace to update it.`,
    }),
    APP_FLAGS,
  );
  if (folder !== undefined) {
    app = await uploadContent(client, name, folder).catch(async (error: unknown) => {
      // A function app this command created, whose content the server refused, goes again.
      if (flags.replace !== true) {
        await client.call('DELETE', appPath(type, name)).catch(() => undefined);
      }
      throw error;
    });
  }
  if (flags.json === true) {
    writeJson(app);
    return;
  }
  writeLines(
    formatFields([
      ['name', app.name],
      ['url', appRow(app)[1] ?? ''],
    ]),
  );
  writeNote(`Link it with: portico link --site <site> --backend-type ${type} --resource ${name}`);
}

/** Uploads an API folder as a function app's content: check, upload what is missing, set. */
async function uploadContent(client: ResourceClient, name: string, folder: PackedFolder): Promise<Resource> {
  const base = `${appPath('functionapp', name)}/content`;
  const listing = contentListing(folder.files);
  const { missing } = await client.call<{ missing: string[] }>('POST', `${base}/check`, listing);
  const uploader = {
    uploadFile: (_id: string, sha256: string, file: FileBody) =>
      client.upload(`${base}/files/${sha256}`, file),
  } as unknown as DeployClient;
  await uploadMissing(uploader, { id: name, missing } as never, [folder]);
  writeNote('Installing the dependencies of the function app when needed…');
  return client.call<Resource>('PUT', base, listing);
}

interface LinkFlags extends JsonFlags {
  readonly site: string;
  readonly env: string;
  readonly backendType?: BackendType;
  readonly resource?: string;
  readonly repair?: boolean;
}

function showLink(link: Resource, flags: JsonFlags): void {
  if (flags.json === true) {
    writeJson(link);
    return;
  }
  const props = link.properties;
  writeLines(
    formatFields([
      ['backend', `${String(props.backendType)} ${String(props.resourceName)}`],
      ['status', String(props.status)],
    ]),
  );
  for (const problem of (props.problems as string[] | undefined) ?? []) {
    writeNote(`problem: ${problem}`);
  }
}

function registerLinkCommands(program: Command): void {
  addJsonOption(addConnectionOptions(program.command('link')))
    .description("Link a backend to an environment's /api (or --repair the current link)")
    .requiredOption('--site <name>', 'the site')
    .option('--env <env>', 'production or an environment name', parseEnvironment, 'production')
    .option('--backend-type <type>', 'apim, functionapp, webapp or containerapp', parseBackendType)
    .option('--resource <name>', 'the backend resource')
    .option('--repair', 'restore a broken link (product, subscription, policy and key)')
    .action((flags: LinkFlags) => link(flags));
  addJsonOption(addConnectionOptions(program.command('unlink')))
    .description("Stop proxying an environment's /api to its backend")
    .requiredOption('--site <name>', 'the site')
    .option('--env <env>', 'production or an environment name', parseEnvironment, 'production')
    .action(async (flags: JsonFlags & { site: string; env: string }) => {
      const client = await connectResources(flags);
      const [current] = await client.list(linksPath(flags.site, flags.env));
      if (current === undefined) {
        throw new PorticoError(
          'CLI_USAGE',
          `The ${flags.env} environment of ${flags.site} has no linked backend.`,
        );
      }
      await client.call('DELETE', `${linksPath(flags.site, flags.env)}/${encodeURIComponent(current.name)}`);
      writeResult(flags, { site: flags.site, environment: flags.env, unlinked: current }, [
        `Unlinked ${String(current.properties.backendType)} ${current.name} from ${flags.site} (${flags.env}).`,
      ]);
    });
  addJsonOption(addConnectionOptions(program.command('backends')))
    .description("Show what each environment's /api goes to")
    .requiredOption('--site <name>', 'the site')
    .action((flags: JsonFlags & { site: string }) => listBackends(flags));
}

async function link(flags: LinkFlags): Promise<void> {
  const client = await connectResources(flags);
  const path = linksPath(flags.site, flags.env);
  if (flags.repair === true) {
    const [current] = await client.list(path);
    if (current === undefined) {
      throw new PorticoError(
        'CLI_USAGE',
        `The ${flags.env} environment of ${flags.site} has no link to repair; link one with --backend-type and --resource.`,
      );
    }
    return showLink(
      await client.call<Resource>('POST', `${path}/${encodeURIComponent(current.name)}/repair`),
      flags,
    );
  }
  if (flags.backendType === undefined || flags.resource === undefined) {
    throw new PorticoError('CLI_USAGE', 'portico link needs --backend-type and --resource (or --repair).');
  }
  const linked = await client.put(`${path}/${encodeURIComponent(flags.resource)}`, {
    backendResourceId: backendResourceId(flags.backendType, flags.resource),
    backendType: flags.backendType,
  });
  showLink(linked, flags);
}

async function listBackends(flags: JsonFlags & { site: string }): Promise<void> {
  const management: ManagementClient = await connectAdmin(flags);
  const client = await connectResources(flags);
  const builds = await management.listBuilds(flags.site);
  const rows = await Promise.all(
    builds.map(async (build) => {
      const environment = String(build.properties.environmentName);
      const [current] = await client.list(linksPath(flags.site, environment));
      return {
        environment,
        link: current ?? null,
        hasManagedApi: (build.properties as { hasManagedApi?: boolean }).hasManagedApi ?? false,
      };
    }),
  );
  if (flags.json === true) {
    writeJson({ value: rows });
    return;
  }
  writeTable(
    ['ENVIRONMENT', 'API', 'STATUS'],
    rows.map((row) => [
      row.environment,
      row.link === null
        ? row.hasManagedApi
          ? 'managed functions'
          : 'none'
        : `linked ${String(row.link.properties.backendType)} ${row.link.name}`,
      row.link === null ? '-' : String(row.link.properties.status),
    ]),
    'The site has no environments.',
  );
  for (const row of rows) {
    for (const problem of (row.link?.properties.problems as string[] | undefined) ?? []) {
      writeNote(`${row.environment}: ${problem}`);
    }
  }
}
