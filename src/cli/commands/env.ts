/**
 * `portico env list|delete`: the environments of a site, production first (CONTRACT §5). The REST API
 * calls production's build `default`; the CLI says `production`.
 */
import type { Command } from 'commander';
import { type Build, environmentName } from '../../client/index.js';
import { addYesOption, confirmDeletion, type YesFlags } from '../confirm.js';
import { addConnectionOptions, connectAdmin, type JsonFlags } from '../connection.js';
import { parseEnvironment } from '../options.js';
import { addJsonOption, formatTime, writeJson, writeResult, writeTable } from '../output.js';

interface SiteFlags extends JsonFlags {
  readonly site: string;
}

/** Adds the `env` command group to the program. */
export function registerEnvCommands(program: Command): void {
  const env = program.command('env').description('List and delete the environments of a site');
  addJsonOption(addConnectionOptions(env.command('list')))
    .description('List the environments of a site (production and named or preview ones)')
    .requiredOption('--site <name>', 'the site')
    .action((flags: SiteFlags) => listEnvironments(flags));
  addYesOption(addJsonOption(addConnectionOptions(env.command('delete'))))
    .description(
      'Delete a pre-production environment with its content, deployments and settings (with only a deployment token, as in CI: portico deploy close --env <env>)',
    )
    .requiredOption('--site <name>', 'the site')
    .argument('<env>', 'the environment name', parseEnvironment)
    .action((name: string, flags: SiteFlags & YesFlags) => deleteEnvironment(name, flags));
}

async function listEnvironments(flags: SiteFlags): Promise<void> {
  const builds = await (await connectAdmin(flags)).listBuilds(flags.site);
  if (flags.json === true) {
    writeJson({ value: builds });
    return;
  }
  writeTable(
    ['ENVIRONMENT', 'STATUS', 'URL', 'ACTIVE DEPLOYMENT', 'UPDATED'],
    builds.map(buildRow),
    `The site ${flags.site} has no environments.`,
  );
}

/** The environment name of a build as the CLI shows it (`production` for `default`). */
export function buildEnvironment(build: Build): string {
  return build.properties.environmentName ?? environmentName(build.name);
}

function buildRow(build: Build): string[] {
  const p = build.properties;
  return [
    buildEnvironment(build),
    p.status,
    p.url ?? `http://${p.hostname}`,
    p.activeDeploymentId ?? '-',
    formatTime(p.lastUpdatedOn),
  ];
}

async function deleteEnvironment(name: string, flags: SiteFlags & YesFlags): Promise<void> {
  const client = await connectAdmin(flags);
  await confirmDeletion(
    `the ${name} environment of ${flags.site} with its content, deployments and settings`,
    flags,
  );
  await client.deleteBuild(flags.site, name);
  writeResult(flags, { site: flags.site, environment: name, deleted: true }, [
    `Deleted environment ${name} of ${flags.site} with its content, deployments and settings.`,
  ]);
}
