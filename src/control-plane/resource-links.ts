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

/** The environments linked to the resource with id `resourceId`, by site and environment name. */
export async function linksToResource(ctx: ControlContext, resourceId: string): Promise<LinkedEnvironment[]> {
  const rows = await ctx.db
    .selectFrom('linked_backends')
    .innerJoin('sites', 'sites.id', 'linked_backends.site_id')
    .innerJoin('environments', 'environments.id', 'linked_backends.environment_id')
    .select(['sites.name as site', 'environments.name as environment'])
    .where('linked_backends.resource_id', '=', resourceId)
    .orderBy('sites.name')
    .orderBy('environments.name')
    .execute();
  return rows.map(({ site, environment }) =>
    environment === PRODUCTION
      ? { where: `the static site '${site}'`, unlink: `portico unlink --site ${site}` }
      : {
          where: `the environment '${environment}' of the static site '${site}'`,
          unlink: `portico unlink --site ${site} --env ${environment}`,
        },
  );
}
