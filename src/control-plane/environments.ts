/**
 * Environments of a site: production plus preview/named ones, each with its own host, deployment and
 * app settings (spec §4; Free 3, Standard 10 pre-production environments).
 */
import { randomUUID } from 'node:crypto';
import { PorticoError } from '../shared/errors.js';
import { sql } from '../shared/kysely.js';
import { clip } from '../shared/quote.js';
import type { EnvironmentsTable } from '../storage/index.js';
import { type ControlContext, recordChange } from './context.js';
import { checkEnvironmentName, environmentHostname, PRODUCTION } from './names.js';
import type { Site } from './sites.js';

/** Pre-production environments a plan allows besides production. */
export const ENVIRONMENT_LIMITS = { Free: 3, Standard: 10 } as const;

/** An environment as the services hand it around. */
export interface Environment {
  readonly id: string;
  readonly siteId: string;
  readonly name: string;
  readonly hostname: string;
  readonly activeDeploymentId: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

function toEnvironment(row: EnvironmentsTable): Environment {
  return {
    id: row.id,
    siteId: row.site_id,
    name: row.name,
    hostname: row.hostname,
    activeDeploymentId: row.active_deployment_id,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

/** The environments of a site, production first. */
export async function listEnvironments(ctx: ControlContext, site: Site): Promise<Environment[]> {
  const rows = await ctx.db
    .selectFrom('environments')
    .selectAll()
    .where('site_id', '=', site.id)
    .orderBy('created_at')
    .execute();
  return rows
    .map(toEnvironment)
    .sort((a, b) => Number(b.name === PRODUCTION) - Number(a.name === PRODUCTION));
}

/** The environment `name` of a site (names compared without case, as host names are), or undefined. */
export async function findEnvironment(
  ctx: ControlContext,
  site: Site,
  name: string,
): Promise<Environment | undefined> {
  // Without case, as its host name (`shop-prod` for `Prod` and `prod`): the two names are one environment.
  const row = await ctx.db
    .selectFrom('environments')
    .selectAll()
    .where('site_id', '=', site.id)
    .where(sql<string>`lower(name)`, '=', checkEnvironmentName(name).toLowerCase())
    .executeTakeFirst();
  return row === undefined ? undefined : toEnvironment(row);
}

/** The environment with this id, or undefined. */
export async function findEnvironmentById(ctx: ControlContext, id: string): Promise<Environment | undefined> {
  const row = await ctx.db.selectFrom('environments').selectAll().where('id', '=', id).executeTakeFirst();
  return row === undefined ? undefined : toEnvironment(row);
}

/** The environment `name` of a site; 404 when it does not exist. */
export async function getEnvironment(ctx: ControlContext, site: Site, name: string): Promise<Environment> {
  const environment = await findEnvironment(ctx, site, name);
  if (environment === undefined) {
    throw new PorticoError(
      'CONTROL_ENVIRONMENT_NOT_FOUND',
      `The site '${site.name}' has no environment '${clip(name)}' (portico env list --site ${site.name} lists them; a deploy with --env ${clip(name)} creates it).`,
    );
  }
  return environment;
}

/** An environment a deploy targets; `copiedAppSettings` when the deploy created it. */
export interface EnsuredEnvironment {
  readonly environment: Environment;
  /** Names of production's app settings the new environment was given; absent when it existed. */
  readonly copiedAppSettings?: readonly string[];
}

/**
 * The environment `name`, created when missing (a deploy creates it), within the plan's limit. A new
 * environment starts with a copy of production's app settings (spec §8), and says which.
 */
export async function ensureEnvironment(
  ctx: ControlContext,
  site: Site,
  name: string,
): Promise<EnsuredEnvironment> {
  const existing = await findEnvironment(ctx, site, name);
  if (existing !== undefined) {
    return { environment: existing };
  }
  const all = await listEnvironments(ctx, site);
  const limit = ENVIRONMENT_LIMITS[site.sku];
  if (all.filter((e) => e.name !== PRODUCTION).length >= limit) {
    throw new PorticoError(
      'CONTROL_ENVIRONMENT_LIMIT',
      `The ${site.sku} plan allows ${limit} pre-production environments and '${site.name}' has them all. Delete one (portico env delete --site ${site.name} <env>, or portico deploy close --env <env> with the deployment token)${site.sku === 'Free' ? ` or move it to the Standard plan (portico site plan ${site.name} standard)` : ''}.`,
    );
  }
  const now = ctx.now().toISOString();
  const row: EnvironmentsTable = {
    id: randomUUID(),
    site_id: site.id,
    name,
    hostname: environmentHostname(site.hostLabel, name, ctx.domain),
    active_deployment_id: null,
    created_at: now,
    updated_at: now,
  };
  const production = all.find((e) => e.name === PRODUCTION);
  const copied: string[] = [];
  await ctx.db.transaction().execute(async (trx) => {
    await trx.insertInto('environments').values(row).execute();
    if (production !== undefined) {
      const settings = await trx
        .selectFrom('app_settings')
        .selectAll()
        .where('environment_id', '=', production.id)
        .execute();
      for (const setting of settings) {
        await trx
          .insertInto('app_settings')
          .values({ ...setting, environment_id: row.id })
          .execute();
        copied.push(setting.name);
      }
    }
  });
  return { environment: toEnvironment(row), copiedAppSettings: copied.sort() };
}

/** Deletes a pre-production environment with its deployments and settings. */
export async function deleteEnvironment(ctx: ControlContext, site: Site, name: string): Promise<void> {
  const environment = await getEnvironment(ctx, site, name);
  if (environment.name === PRODUCTION) {
    throw new PorticoError(
      'CONTROL_ENVIRONMENT_PRODUCTION',
      'The production environment cannot be deleted; delete the site instead.',
    );
  }
  // Its deployments and settings go with it (ON DELETE CASCADE).
  await ctx.db.deleteFrom('environments').where('id', '=', environment.id).execute();
  await recordChange(ctx, environment.hostname);
}

/**
 * Closes a pre-production environment for a deployment token, as Azure's deploy action does with
 * `action: close` when a pull request closes: it goes with its content, deployments and settings. An
 * environment that is gone already answers `false` (a re-run "PR closed" job succeeds); production is
 * refused, since closing it would take the site's live content (decision 0080). Returns the name of the
 * environment closed as it is stored (`pr2` for `PR2`), `undefined` when there was none.
 */
export async function closeEnvironment(
  ctx: ControlContext,
  site: Site,
  name: string,
): Promise<string | undefined> {
  if (checkEnvironmentName(name) === PRODUCTION) {
    throw new PorticoError(
      'DEPLOY_CLOSE_PRODUCTION',
      `The production environment of '${site.name}' cannot be closed: only preview (pre-production) environments close, e.g. --env pr42. Production goes only with the site (portico site delete, with the admin token).`,
    );
  }
  const environment = await findEnvironment(ctx, site, name);
  if (environment === undefined) {
    return undefined;
  }
  // Its deployments and settings go with it (ON DELETE CASCADE).
  await ctx.db.deleteFrom('environments').where('id', '=', environment.id).execute();
  await recordChange(ctx, environment.hostname);
  return environment.name;
}

/** What the data plane needs to route a host: one row per environment of every site. */
export interface ServingEntry {
  readonly hostname: string;
  readonly siteId: string;
  readonly siteName: string;
  readonly sku: 'Free' | 'Standard';
  readonly environmentId: string;
  readonly environmentName: string;
  readonly activeDeploymentId: string | null;
}

/** The serving table, for every host or for the given ones. */
export async function listServingEntries(
  ctx: ControlContext,
  hostnames?: readonly string[],
): Promise<ServingEntry[]> {
  let query = ctx.db
    .selectFrom('environments')
    .innerJoin('sites', 'sites.id', 'environments.site_id')
    .select([
      'environments.hostname as hostname',
      'sites.id as siteId',
      'sites.name as siteName',
      'sites.sku as sku',
      'environments.id as environmentId',
      'environments.name as environmentName',
      'environments.active_deployment_id as activeDeploymentId',
    ]);
  if (hostnames !== undefined) {
    if (hostnames.length === 0) {
      return [];
    }
    query = query.where('environments.hostname', 'in', [...hostnames]);
  }
  return query.execute();
}
