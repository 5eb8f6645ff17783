/**
 * `portico site create|show|list|delete|plan|reset-token`: static sites on a `portico serve` (CONTRACT §5).
 */
import type { Command } from 'commander';
import type { Plan, Site } from '../../client/index.js';
import { addYesOption, confirmDeletion, type YesFlags } from '../confirm.js';
import { addConnectionOptions, connectAdmin, type JsonFlags } from '../connection.js';
import { parsePlan } from '../options.js';
import {
  addJsonOption,
  formatFields,
  formatTime,
  writeJson,
  writeLines,
  writeNote,
  writeResult,
  writeTable,
} from '../output.js';

interface CreateFlags extends JsonFlags {
  readonly plan: Plan;
}

/** Adds the `site` command group to the program. */
export function registerSiteCommands(program: Command): void {
  const site = program.command('site').description('Create, show, list and delete static sites');
  addJsonOption(addConnectionOptions(site.command('create')))
    .description('Create a static site; prints its host name and deployment token')
    .argument('<name>', "2-60 of a-z, 0-9 and '-', e.g. my-blog")
    .option('--plan <plan>', 'hosting plan: free or standard', parsePlan, 'free')
    .action((name: string, flags: CreateFlags) => createSite(name, flags));
  addJsonOption(addConnectionOptions(site.command('show')))
    .description('Show a static site')
    .argument('<name>', 'the site')
    .action((name: string, flags: JsonFlags) => showSite(name, flags));
  addJsonOption(addConnectionOptions(site.command('list')))
    .description('List the static sites')
    .action((flags: JsonFlags) => listSites(flags));
  addYesOption(addJsonOption(addConnectionOptions(site.command('delete'))))
    .description('Delete a static site with all its environments, deployments, settings and users')
    .argument('<name>', 'the site')
    .action((name: string, flags: JsonFlags & YesFlags) => deleteSite(name, flags));
  addJsonOption(addConnectionOptions(site.command('plan')))
    .description('Change the hosting plan of a site')
    .argument('<name>', 'the site')
    .argument('<plan>', 'free or standard', parsePlan)
    .action((name: string, plan: Plan, flags: JsonFlags) => setPlan(name, plan, flags));
  addJsonOption(addConnectionOptions(site.command('token')))
    .description('Show the current deployment token of a site (for CI secrets)')
    .argument('<name>', 'the site')
    .action((name: string, flags: JsonFlags) => showToken(name, flags));
  addJsonOption(addConnectionOptions(site.command('reset-token')))
    .description('Replace the deployment token of a site (the old one stops working)')
    .argument('<name>', 'the site')
    .action((name: string, flags: JsonFlags) => resetToken(name, flags));
}

async function createSite(name: string, flags: CreateFlags): Promise<void> {
  const client = await connectAdmin(flags);
  const site = await client.createSite(name, flags.plan);
  const token = site.properties.apiKey ?? (await client.listSecrets(name)).properties.apiKey;
  writeResult(
    flags,
    { ...site, properties: { ...site.properties, apiKey: token } },
    formatFields([
      ['name', site.name],
      ['defaultHostname', site.properties.defaultHostname],
      ['deploymentToken', token],
    ]),
  );
  writeNote(
    `Created ${site.name} (${site.sku.name} plan). Deploy with: portico deploy <appDir> --site ${site.name}`,
  );
}

async function showSite(name: string, flags: JsonFlags): Promise<void> {
  const site = await (await connectAdmin(flags)).getSite(name);
  if (flags.json === true) {
    writeJson(site);
    return;
  }
  writeLines(
    formatFields([
      ['name', site.name],
      ['plan', site.sku.name],
      ['defaultHostname', site.properties.defaultHostname],
      ['created', formatTime(site.properties.createdTimeUtc)],
      ['id', site.id],
    ]),
  );
}

async function listSites(flags: JsonFlags): Promise<void> {
  const sites = await (await connectAdmin(flags)).listSites();
  if (flags.json === true) {
    writeJson({ value: sites });
    return;
  }
  writeTable(
    ['NAME', 'PLAN', 'HOSTNAME', 'CREATED'],
    sites.map(siteRow),
    'No static sites yet; create one with portico site create <name>.',
  );
}

function siteRow(site: Site): string[] {
  return [
    site.name,
    site.sku.name,
    site.properties.defaultHostname,
    formatTime(site.properties.createdTimeUtc),
  ];
}

async function deleteSite(name: string, flags: JsonFlags & YesFlags): Promise<void> {
  const client = await connectAdmin(flags);
  await confirmDeletion(`the site ${name} with all its environments, deployments, settings and users`, flags);
  await client.deleteSite(name);
  writeResult(flags, { name, deleted: true }, [
    `Deleted site ${name} with its environments, deployments, settings and users.`,
  ]);
}

async function setPlan(name: string, plan: Plan, flags: JsonFlags): Promise<void> {
  const site = await (await connectAdmin(flags)).setPlan(name, plan);
  writeResult(flags, site, [`Site ${site.name} is on the ${site.sku.name} plan.`]);
}

async function showToken(name: string, flags: JsonFlags): Promise<void> {
  const secrets = await (await connectAdmin(flags)).listSecrets(name);
  if (flags.json === true) {
    writeJson(secrets);
    return;
  }
  writeBareToken(name, secrets.properties.apiKey);
}

async function resetToken(name: string, flags: JsonFlags): Promise<void> {
  const secrets = await (await connectAdmin(flags)).resetApiKey(name);
  if (flags.json === true) {
    writeJson(secrets);
  } else {
    writeBareToken(name, secrets.properties.apiKey);
  }
  writeNote(`The previous deployment token of ${name} no longer works; update your CI secret.`);
}

/**
 * The token alone on stdout, so `T=$(portico site token blog)` holds a token that works; the label goes
 * to stderr, and only on a terminal, where a person reads both.
 */
function writeBareToken(name: string, token: string): void {
  if (process.stdout.isTTY === true) {
    writeNote(`Deployment token of ${name}:`);
  }
  writeLines([token]);
}
