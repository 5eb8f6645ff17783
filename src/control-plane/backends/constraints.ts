/**
 * The rules of linking a backend to a site environment (spec/swa-behaviour.md §3.2, spec/apim.md §3),
 * each refused with a message that names it.
 */
import { CONFIG_FILE_NAME, type NormalizedConfig, parseConfigText } from '../../config/index.js';
import { PorticoError } from '../../shared/errors.js';
import type { ControlContext } from '../context.js';
import type { Deployment } from '../deployments.js';
import type { Environment } from '../environments.js';
import { PRODUCTION } from '../names.js';
import type { Site } from '../sites.js';

function refused(message: string): PorticoError {
  return new PorticoError('CONTROL_LINK_REFUSED', message);
}

/** Pull-request environments are named by their number (`1`, `42`) or `pr42`, as Azure names them. */
export function isPullRequestEnvironment(name: string): boolean {
  return name !== PRODUCTION && /^(?:pr)?\d+$/i.test(name);
}

/** Standard plan only; never on a pull-request environment. */
export function checkSiteAndEnvironment(site: Site, environment: Environment): void {
  if (site.sku !== 'Standard') {
    throw refused(
      `Linking a backend needs the Standard plan; '${site.name}' is on Free. Change it with 'portico site plan ${site.name} standard'.`,
    );
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
  deployment: Deployment,
): Promise<NormalizedConfig | undefined> {
  const file = deployment.manifest.app.find((entry) => entry.path === CONFIG_FILE_NAME);
  if (file === undefined) {
    return undefined;
  }
  const result = parseConfigText((await ctx.blobs.read(file.sha256)).toString('utf8'), CONFIG_FILE_NAME);
  return result.ok ? result.config : undefined;
}

/**
 * What an environment's content must respect while a backend is linked: no managed functions, and route
 * rules on `/api` that only redirect or restrict roles. Checked at link time and at every deploy.
 */
export async function checkDeploymentForLink(
  ctx: ControlContext,
  deployment: Deployment,
  config?: NormalizedConfig,
): Promise<void> {
  if (deployment.manifest.api !== undefined) {
    throw refused(
      'This environment runs managed functions from its deployment, and an environment cannot use managed functions and a linked backend at once. Deploy without --api, or unlink the backend first.',
    );
  }
  const problems = apiRuleProblems(
    config ?? (await deployedConfig(ctx, deployment)) ?? ({ routes: [] } as unknown as NormalizedConfig),
  );
  if (problems.length > 0) {
    throw new PorticoError(
      'CONTROL_LINK_REFUSED',
      `With a linked backend, route rules on /api may only redirect or restrict roles; remove ${problems.join(', ')} from staticwebapp.config.json.`,
      { details: problems.map((path) => ({ path, message: 'not allowed on /api with a linked backend' })) },
    );
  }
}

/** Refuses content that breaks the rules of the backend linked to its environment, if one is. */
export async function checkContentForLinkedEnvironment(
  ctx: ControlContext,
  environmentId: string,
  deployment: Deployment,
  config?: NormalizedConfig,
): Promise<void> {
  const link = await ctx.db
    .selectFrom('linked_backends')
    .select(['backend_type', 'name'])
    .where('environment_id', '=', environmentId)
    .executeTakeFirst();
  if (link !== undefined) {
    await checkDeploymentForLink(ctx, deployment, config).catch((error: unknown) => {
      if (error instanceof PorticoError) {
        throw new PorticoError(
          'CONTROL_LINK_REFUSED',
          `The environment is linked to the ${link.backend_type} '${link.name}'. ${error.message}`,
          { details: error.details },
        );
      }
      throw error;
    });
  }
}
