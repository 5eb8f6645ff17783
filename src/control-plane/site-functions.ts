/**
 * The functions of an environment's managed API (Azure's listStaticSiteFunctions and
 * listStaticSiteBuildFunctions). Functions register themselves when the app is loaded (`app.http(…)` in
 * the v4 model), so only a loaded worker knows them: the serving side, which runs the workers, answers
 * through a {@link FunctionsInspector}; the control plane decides whether there is a managed API at all.
 */
import { PorticoError } from '../shared/errors.js';
import { errorMessage } from '../shared/guards.js';
import { resolveLink } from './backends/index.js';
import type { ControlContext } from './context.js';
import { readDeployment } from './deployments.js';
import { getEnvironment } from './environments.js';
import type { Site } from './sites.js';

/** One HTTP function of a loaded API app. */
export interface DeployedFunction {
  readonly name: string;
  /** The route template without the `api/` prefix. */
  readonly route: string;
  /** Upper-case methods, or `null` when the function accepts every method. */
  readonly methods: readonly string[] | null;
  readonly authLevel: string;
}

/** Lists the functions of the managed API served at a host name (`portico serve` implements it). */
export interface FunctionsInspector {
  /** Loads the API if it is not running; `undefined` when this node serves no managed API there. */
  listFunctions(hostname: string): Promise<readonly DeployedFunction[] | undefined>;
}

/**
 * The functions of an environment's active deployment: none without a deployment, without an API, or
 * when `/api` goes to a linked backend (its functions are that resource's, as in Azure).
 */
export async function listEnvironmentFunctions(
  ctx: ControlContext,
  site: Site,
  environmentName: string,
  inspector: FunctionsInspector | undefined,
): Promise<readonly DeployedFunction[]> {
  const environment = await getEnvironment(ctx, site, environmentName);
  if (environment.activeDeploymentId === null) {
    return [];
  }
  const deployment = await readDeployment(ctx, environment.activeDeploymentId);
  if (deployment?.hasApi !== true || (await resolveLink(ctx, environment.id)) !== undefined) {
    return [];
  }
  if (inspector === undefined) {
    throw new PorticoError(
      'CONTROL_FUNCTIONS_UNAVAILABLE',
      'Functions are listed by portico serve, which runs them; this management API has no functions host.',
    );
  }
  try {
    return (await inspector.listFunctions(environment.hostname)) ?? [];
  } catch (error) {
    const reason = errorMessage(error).replace(/[.\s]+$/, '');
    throw new PorticoError(
      'CONTROL_FUNCTIONS_UNAVAILABLE',
      `The functions of ${site.name} (${environment.name}) cannot be listed because its API app does not load: ${reason}. Fix the API and deploy it again.`,
      { cause: error },
    );
  }
}
