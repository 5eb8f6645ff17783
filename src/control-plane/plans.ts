/** Plan rules (spec §5): what blocks a move from Standard to Free. */
import type { ControlContext } from './context.js';
import { DOMAIN_LIMITS } from './domains/index.js';
import { ENVIRONMENT_LIMITS, listEnvironments } from './environments.js';
import { PRODUCTION } from './names.js';
import type { Site } from './sites.js';

/** The Standard-only features a site uses now, each described for a message (empty: Free is possible). */
export async function listStandardFeaturesInUse(ctx: ControlContext, site: Site): Promise<string[]> {
  const environments = await listEnvironments(ctx, site);
  const blockers: string[] = [];
  const previews = environments.filter((e) => e.name !== PRODUCTION).length;
  if (previews > ENVIRONMENT_LIMITS.Free) {
    blockers.push(`${previews} pre-production environments (Free allows ${ENVIRONMENT_LIMITS.Free})`);
  }
  const links = await ctx.db
    .selectFrom('linked_backends')
    .select(['backend_type', 'name'])
    .where('site_id', '=', site.id)
    .execute();
  for (const link of links) {
    blockers.push(`the linked ${link.backend_type} backend '${link.name}'`);
  }
  const domains = await ctx.db
    .selectFrom('custom_domains')
    .select('domain_name')
    .where('site_id', '=', site.id)
    .execute();
  if (domains.length > DOMAIN_LIMITS.Free) {
    blockers.push(`${domains.length} custom domains (Free allows ${DOMAIN_LIMITS.Free})`);
  }
  const active = environments.flatMap((e) =>
    e.activeDeploymentId === null ? [] : [{ e, id: e.activeDeploymentId }],
  );
  if (active.length === 0) {
    return blockers;
  }
  const rows = await ctx.db
    .selectFrom('deployments')
    .select(['id', 'standard_features'])
    .where(
      'id',
      'in',
      active.map((a) => a.id),
    )
    .execute();
  for (const { e, id } of active) {
    const features = JSON.parse(rows.find((r) => r.id === id)?.standard_features ?? '[]') as string[];
    for (const feature of features) {
      blockers.push(`${feature} in the config deployed to ${e.name}`);
    }
  }
  return blockers;
}
