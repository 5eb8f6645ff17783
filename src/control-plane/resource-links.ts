/**
 * The site environments linked to a backend resource (a gateway service or an app), each with the words
 * a refusal needs: where the link is, and the command that removes it.
 */
import type { ControlContext } from './context.js';
import { PRODUCTION } from './names.js';

/** A link to a resource, as a refusal to delete the resource names it. */
export interface LinkedEnvironment {
  /** `the static site 'blog'` or `the environment 'preview' of the static site 'blog'`. */
  readonly where: string;
  /** `portico unlink --site blog [--env preview]`. */
  readonly unlink: string;
}

/** One environment linked to a resource, as the `linked_backends` row and its joins give it. */
interface LinkRow {
  readonly siteId: string;
  readonly site: string;
  readonly environment: string;
  readonly hostname: string;
}

/** The environments linked to the resource with id `resourceId`, by site and environment name. */
async function linkRowsOf(ctx: ControlContext, resourceId: string): Promise<LinkRow[]> {
  return ctx.db
    .selectFrom('linked_backends')
    .innerJoin('sites', 'sites.id', 'linked_backends.site_id')
    .innerJoin('environments', 'environments.id', 'linked_backends.environment_id')
    .select([
      'linked_backends.site_id as siteId',
      'sites.name as site',
      'environments.name as environment',
      'environments.hostname as hostname',
    ])
    .where('linked_backends.resource_id', '=', resourceId)
    .orderBy('sites.name')
    .orderBy('environments.name')
    .execute();
}

/** The environments (site id, hostname) linked to a resource: a function app checks tokens against them. */
export async function linkedEnvironments(
  ctx: ControlContext,
  resourceId: string,
): Promise<{ siteId: string; hostname: string }[]> {
  return (await linkRowsOf(ctx, resourceId)).map(({ siteId, hostname }) => ({ siteId, hostname }));
}

/** The environments linked to a resource, as a refusal to delete the resource names them. */
export async function linksToResource(ctx: ControlContext, resourceId: string): Promise<LinkedEnvironment[]> {
  return (await linkRowsOf(ctx, resourceId)).map(({ site, environment }) =>
    environment === PRODUCTION
      ? { where: `the static site '${site}'`, unlink: `portico unlink --site ${site}` }
      : {
          where: `the environment '${environment}' of the static site '${site}'`,
          unlink: `portico unlink --site ${site} --env ${environment}`,
        },
  );
}
