/**
 * The rules of linking a backend to a site environment, checked without changing anything (link time and
 * Azure's `validate`): the resource and its type, the plan and environment, one backend per environment,
 * the deployed content, network isolation, and one site per app backend.
 */
import { PorticoError } from '../../shared/errors.js';
import { quoteValue } from '../../shared/quote.js';
import type { LinkedBackendsTable } from '../../storage/index.js';
import { type ApimService, getApimService } from '../apim/service.js';
import type { ControlContext } from '../context.js';
import { readDeployment } from '../deployments.js';
import { type Environment, getEnvironment } from '../environments.js';
import { RESOURCE_GROUP, SUBSCRIPTION_ID } from '../names.js';
import type { Site } from '../sites.js';
import { type BackendApp, getBackendApp, kindLabel } from './apps.js';
import { checkDeploymentForLink, checkSiteAndEnvironment } from './constraints.js';
import type { BackendType } from './links.js';

/** The resource a link names, found and of the type asked for. */
export type Resource =
  | { readonly type: 'apim'; readonly service: ApimService }
  | { readonly type: Exclude<BackendType, 'apim'>; readonly app: BackendApp };

const RESOURCE_ID =
  /^(?:\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+))?\/providers\/(Microsoft\.ApiManagement\/service|Microsoft\.Web\/sites|Microsoft\.App\/containerApps)\/([^/]+)\/?$/i;

/**
 * Checks the scope of a resource id: an id of another subscription or resource group names a resource
 * Portico does not have, even when one of the same name is here (404, as the scope of a path).
 */
function checkResourceScope(subscription: string | undefined, group: string | undefined): void {
  if (
    (subscription !== undefined && subscription.toLowerCase() !== SUBSCRIPTION_ID) ||
    (group !== undefined && group.toLowerCase() !== RESOURCE_GROUP)
  ) {
    throw new PorticoError(
      'CONTROL_NOT_FOUND',
      `properties.backendResourceId names subscription ${quoteValue(subscription ?? '')} and resource group ${quoteValue(group ?? '')}; Portico has one subscription (${SUBSCRIPTION_ID}) and one resource group (${RESOURCE_GROUP}): link a backend of this service.`,
    );
  }
}

/** Finds the resource a `backendResourceId` names, checking it is of the `backendType` asked for. */
async function resolveResource(
  ctx: ControlContext,
  resourceId: string,
  backendType: unknown,
): Promise<Resource> {
  const match = RESOURCE_ID.exec(resourceId);
  if (match === null) {
    throw new PorticoError(
      'CONTROL_BAD_REQUEST',
      `properties.backendResourceId must be the id of an API Management service, a function app, a web app or a container app; got ${quoteValue(resourceId)}.`,
    );
  }
  checkResourceScope(match[1], match[2]);
  const provider = (match[3] ?? '').toLowerCase();
  const name = match[4] ?? '';
  if (provider === 'microsoft.apimanagement/service') {
    return checkType({ type: 'apim', service: await getApimService(ctx, name) }, backendType);
  }
  if (provider === 'microsoft.app/containerapps') {
    return checkType(
      { type: 'containerapp', app: await getBackendApp(ctx, 'containerapp', name) },
      backendType,
    );
  }
  const wanted = backendType === 'functionapp' ? 'functionapp' : 'webapp';
  const app = await getBackendApp(ctx, wanted, name);
  return checkType({ type: app.kind as 'functionapp' | 'webapp', app }, backendType);
}

function checkType(resource: Resource, backendType: unknown): Resource {
  if (backendType !== undefined && backendType !== resource.type) {
    const name = resource.type === 'apim' ? resource.service.name : resource.app.name;
    throw new PorticoError(
      'CONTROL_LINK_REFUSED',
      `'${name}' is ${resource.type === 'apim' ? 'an API Management service' : `a ${kindLabel(resource.app.kind)}`}, not a ${String(backendType)}; use --backend-type ${resource.type}.`,
    );
  }
  return resource;
}

/** The link row of an environment, if any. */
export async function findLink(
  ctx: ControlContext,
  environmentId: string,
): Promise<LinkedBackendsTable | undefined> {
  return ctx.db
    .selectFrom('linked_backends')
    .selectAll()
    .where('environment_id', '=', environmentId)
    .executeTakeFirst();
}

/** Checks everything but the resource itself: plan, environment kind, one backend, deployed content. */
async function checkLinkable(
  ctx: ControlContext,
  site: Site,
  environment: Environment,
  resourceId: string,
): Promise<void> {
  checkSiteAndEnvironment(site, environment);
  const existing = await findLink(ctx, environment.id);
  if (existing !== undefined && existing.resource_id !== resourceId) {
    throw new PorticoError(
      'CONTROL_LINK_REFUSED',
      `The environment '${environment.name}' is already linked to the ${existing.backend_type} '${existing.name}'; an environment has one backend at a time. Unlink it first ('portico unlink --site ${site.name} --env ${environment.name}').`,
    );
  }
  if (environment.activeDeploymentId !== null) {
    const deployment = await readDeployment(ctx, environment.activeDeploymentId);
    if (deployment !== undefined) {
      await checkDeploymentForLink(ctx, deployment, { site: site.name, environment: environment.name });
    }
  }
}

/** Why a service is network-isolated (undefined when it is not). */
export function serviceIsolation(service: ApimService): string | undefined {
  if (service.publicNetworkAccess === 'Disabled') {
    return 'publicNetworkAccess Disabled';
  }
  return service.virtualNetworkType === 'Internal' ? 'virtualNetworkType Internal' : undefined;
}

/** A network-isolated API Management service cannot be linked, as with the other backend types. */
function checkService(service: ApimService): void {
  const isolation = serviceIsolation(service);
  if (isolation !== undefined) {
    throw new PorticoError(
      'CONTROL_LINK_REFUSED',
      `The API Management service '${service.name}' is network-isolated (${isolation}); network-isolated backends are not supported. Set publicNetworkAccess to Enabled and virtualNetworkType to None or External to link it.`,
    );
  }
}

/** An app backend is linked to one site at a time, and never when its network access is disabled. */
async function checkApp(ctx: ControlContext, site: Site, app: BackendApp): Promise<void> {
  if (app.publicNetworkAccess === 'Disabled') {
    throw new PorticoError(
      'CONTROL_LINK_REFUSED',
      `The ${kindLabel(app.kind)} '${app.name}' is network-isolated (publicNetworkAccess Disabled); network-isolated backends are not supported.`,
    );
  }
  const other = await ctx.db
    .selectFrom('linked_backends')
    .innerJoin('sites', 'sites.id', 'linked_backends.site_id')
    .select('sites.name')
    .where('resource_id', '=', app.id)
    .where('linked_backends.site_id', '!=', site.id)
    .executeTakeFirst();
  if (other !== undefined) {
    throw new PorticoError(
      'CONTROL_LINK_REFUSED',
      `The ${kindLabel(app.kind)} '${app.name}' is already linked to the static site '${other.name}'; it can be linked to one site at a time.`,
    );
  }
}

/** What a link (or a validation) asks for: the resource, its type, and the name the link is known by. */
export interface LinkRequest {
  readonly backendResourceId: string;
  readonly backendType?: unknown;
  /** Azure's `linkedBackendName`; the resource's name when absent. */
  readonly name?: string;
}

/** Checks every rule of linking without changing anything; returns what would be linked. */
export async function checkLink(
  ctx: ControlContext,
  site: Site,
  environment: Environment,
  props: LinkRequest,
): Promise<Resource> {
  const resource = await resolveResource(ctx, props.backendResourceId, props.backendType);
  const resourceId = resource.type === 'apim' ? resource.service.id : resource.app.id;
  await checkLinkable(ctx, site, environment, resourceId);
  if (resource.type === 'apim') {
    checkService(resource.service);
  } else {
    await checkApp(ctx, site, resource.app);
  }
  return resource;
}

/** Azure's `validate`: the link would be accepted (a refusal throws, naming the rule). */
export async function validateLink(
  ctx: ControlContext,
  site: Site,
  environmentName: string,
  props: LinkRequest,
): Promise<void> {
  await checkLink(ctx, site, await getEnvironment(ctx, site, environmentName), props);
}
