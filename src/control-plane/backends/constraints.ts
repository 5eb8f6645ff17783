/**
 * The rules of linking a backend to a site environment (spec/swa-behaviour.md §3.2, spec/apim.md §3),
 * each refused with a message that names it.
 */
import { CONFIG_FILE_NAME, type NormalizedConfig, parseConfigText } from '../../config/index.js';
import { PorticoError, type Remedy } from '../../shared/errors.js';
import type { ControlContext } from '../context.js';
import type { Deployment } from '../deployments.js';
import type { Environment } from '../environments.js';
import { PRODUCTION } from '../names.js';
import type { Site } from '../sites.js';

function refused(message: string, remedy?: Remedy): PorticoError {
  return new PorticoError('CONTROL_LINK_REFUSED', message, remedy === undefined ? undefined : { remedy });
}

/** Pull-request environments are named by their number (`1`, `42`) or `pr42`, as Azure names them. */
export function isPullRequestEnvironment(name: string): boolean {
  return name !== PRODUCTION && /^(?:pr)?\d+$/i.test(name);
}

/** Standard plan only; never on a pull-request environment. */
export function checkSiteAndEnvironment(site: Site, environment: Environment): void {
  if (site.sku !== 'Standard') {
    throw refused(`Linking a backend needs the Standard plan; '${site.name}' is on Free.`, {
      kind: 'standard-plan',
      site: site.name,
    });
  }
  if (isPullRequestEnvironment(environment.name)) {
    throw refused(
      `Backends cannot be linked to pull-request environments; '${environment.name}' is one. Link production or a named environment instead.`,
    );
  }
}

/** Route rules on `/api` may only redirect or restrict roles: the problems of a config, by JSON path. */
export function apiRuleProblems(config: NormalizedConfig): string[] {
  return config.routes.flatMap((rule) => {
    const route = rule.route.toLowerCase();
    if (route !== '/api' && !route.startsWith('/api/') && route !== '/api*') {
      return [];
    }
    // A redirect's own status code (301, 302, 307 or 308) is part of the redirect, which is allowed.
    const used = (['rewrite', 'statusCode', 'headers'] as const).filter(
      (field) => rule[field] !== undefined && !(field === 'statusCode' && rule.redirect !== undefined),
    );
    return used.map((field) => `routes[${rule.index}].${field} (route ${rule.route})`);
  });
}

/** The deployed config of a deployment, read from its stored file (undefined when it has none or it is invalid). */
async function deployedConfig(
  ctx: ControlContext,
  deployment: Pick<Deployment, 'manifest'>,
): Promise<NormalizedConfig | undefined> {
  const file = deployment.manifest.app.find((entry) => entry.path === CONFIG_FILE_NAME);
  if (file === undefined) {
    return undefined;
  }
  const result = parseConfigText((await ctx.blobs.read(file.sha256)).toString('utf8'), CONFIG_FILE_NAME);
  return result.ok ? result.config : undefined;
}

/** What in a deployment breaks the rules of a linked backend: managed functions, and /api rule problems. */
async function linkProblemsOf(
  ctx: ControlContext,
  deployment: Pick<Deployment, 'manifest'>,
  config?: NormalizedConfig,
): Promise<{ managedFunctions: boolean; rules: string[] }> {
  return {
    managedFunctions: deployment.manifest.api !== undefined,
    rules: apiRuleProblems(
      config ?? (await deployedConfig(ctx, deployment)) ?? ({ routes: [] } as unknown as NormalizedConfig),
    ),
  };
}

function rulesRefused(rules: readonly string[], prefix: string): PorticoError {
  return new PorticoError(
    'CONTROL_LINK_REFUSED',
    `${prefix}With a linked backend, route rules on /api may only redirect or restrict roles; remove ${rules.join(', ')} from staticwebapp.config.json.`,
    { details: rules.map((path) => ({ path, message: 'not allowed on /api with a linked backend' })) },
  );
}

/**
 * Whether the active deployment of an environment allows linking a backend: no managed functions, and
 * route rules on /api that only redirect or restrict roles. Checked at link time.
 */
export async function checkDeploymentForLink(
  ctx: ControlContext,
  deployment: Deployment,
  where: { site: string; environment: string },
): Promise<void> {
  const { managedFunctions, rules } = await linkProblemsOf(ctx, deployment);
  if (managedFunctions) {
    const env = where.environment === PRODUCTION ? '' : ` --env ${where.environment}`;
    throw refused(
      `Managed functions are active in the ${where.environment} environment of '${where.site}' (its current deployment was made with --api), and an environment cannot use managed functions and a linked backend at once. Redeploy without them ('portico deploy <appDir> --site ${where.site}${env}', without --api), then link again.`,
    );
  }
  if (rules.length > 0) {
    throw rulesRefused(rules, '');
  }
}

/** The backend linked to an environment, if any. */
function linkOf(ctx: ControlContext, environmentId: string) {
  return ctx.db
    .selectFrom('linked_backends')
    .select(['backend_type', 'name'])
    .where('environment_id', '=', environmentId)
    .executeTakeFirst();
}

/**
 * Refuses content that breaks the rules of the backend linked to its environment, if one is (at deploy
 * commit and rollback). `manifest` alone (no config) checks only what the listing shows: managed functions.
 */
export async function checkContentForLinkedEnvironment(
  ctx: ControlContext,
  environmentId: string,
  deployment: Pick<Deployment, 'manifest'>,
  config?: NormalizedConfig,
): Promise<void> {
  const link = await linkOf(ctx, environmentId);
  if (link === undefined) {
    return;
  }
  const { managedFunctions, rules } = await linkProblemsOf(ctx, deployment, config);
  const prefix = `The environment is linked to the ${link.backend_type} '${link.name}'. `;
  if (managedFunctions) {
    throw refused(
      `${prefix}An environment cannot use managed functions and a linked backend at once: deploy without --api, or unlink the backend first ('portico unlink').`,
    );
  }
  if (rules.length > 0) {
    throw rulesRefused(rules, prefix);
  }
}

/**
 * The same check on a deployment's listing, before anything is uploaded: managed functions, and the
 * config when its content is already stored (an unchanged staticwebapp.config.json).
 */
export async function checkListingForLinkedEnvironment(
  ctx: ControlContext,
  environmentId: string,
  manifest: Deployment['manifest'],
): Promise<void> {
  const config = manifest.app.find((entry) => entry.path === CONFIG_FILE_NAME);
  const stored = config === undefined || (await ctx.blobs.missing([config.sha256])).length === 0;
  const app = stored ? manifest.app : manifest.app.filter((entry) => entry !== config);
  await checkContentForLinkedEnvironment(ctx, environmentId, { manifest: { ...manifest, app } });
}
