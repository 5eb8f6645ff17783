/**
 * Linked backends of site environments (Azure `linkedBackends`; spec/swa-behaviour.md §3.2–3.4,
 * spec/apim.md §3–4): link, unlink, list, status and repair, for API Management services, function apps,
 * web apps and container apps.
 */
import { PorticoError } from '../../shared/errors.js';
import type { LinkedBackendsTable } from '../../storage/index.js';
import { type ApimService, findApimServiceById, getApimService } from '../apim/service.js';
import { type ControlContext, recordChange } from '../context.js';
import { readDeployment } from '../deployments.js';
import { type Environment, getEnvironment } from '../environments.js';
import type { Site } from '../sites.js';
import { type BackendApp, findBackendAppById, getBackendApp, kindLabel } from './apps.js';
import { checkDeploymentForLink, checkSiteAndEnvironment } from './constraints.js';
import { type GatewayLinkDetails, gatewayLinkProblems, setUpGatewayLink } from './gateway-link.js';

/** The backend types of `portico link --backend-type`. */
export const BACKEND_TYPES = ['apim', 'functionapp', 'webapp', 'containerapp'] as const;

/** A backend type. */
export type BackendType = (typeof BACKEND_TYPES)[number];

/** A link as the REST API shows it. */
export interface LinkView {
  readonly name: string;
  readonly environment: string;
  readonly backendType: BackendType;
  readonly resourceName: string;
  readonly createdOn: string;
  readonly status: 'Healthy' | 'Broken';
  readonly problems: readonly string[];
}

/** What the data plane needs to proxy an environment's `/api` to its linked backend. */
export type ResolvedLink =
  | { readonly type: 'apim'; readonly gatewayHostname: string; readonly subscriptionKey: string }
  | { readonly type: 'functionapp'; readonly hostname: string }
  | { readonly type: 'webapp' | 'containerapp'; readonly backendUrl: string };

type Resource =
  | { readonly type: 'apim'; readonly service: ApimService }
  | { readonly type: Exclude<BackendType, 'apim'>; readonly app: BackendApp };

const RESOURCE_ID =
  /\/providers\/(Microsoft\.ApiManagement\/service|Microsoft\.Web\/sites|Microsoft\.App\/containerApps)\/([^/]+)\/?$/i;

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
      `properties.backendResourceId must be the id of an API Management service, a function app, a web app or a container app; got '${resourceId}'.`,
    );
  }
  const provider = (match[1] ?? '').toLowerCase();
  const name = match[2] ?? '';
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

async function findLink(
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
function serviceIsolation(service: ApimService): string | undefined {
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
async function checkLink(
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

/** Links a backend to an environment (idempotent for the same resource). */
export async function linkBackend(
  ctx: ControlContext,
  site: Site,
  environmentName: string,
  props: LinkRequest,
): Promise<LinkView> {
  const environment = await getEnvironment(ctx, site, environmentName);
  const resource = await checkLink(ctx, site, environment, props);
  const details = resource.type === 'apim' ? await setUpGatewayLink(ctx, resource.service, environment) : {};
  await saveLink(ctx, site, environment, resource, details, props.name);
  return viewLink(ctx, site, environment);
}

async function saveLink(
  ctx: ControlContext,
  site: Site,
  environment: Environment,
  resource: Resource,
  details: object,
  linkName: string | null | undefined,
): Promise<void> {
  const now = ctx.now().toISOString();
  const name = resource.type === 'apim' ? resource.service.name : resource.app.name;
  const row: LinkedBackendsTable = {
    environment_id: environment.id,
    site_id: site.id,
    name,
    link_name: linkName === undefined || linkName === name ? null : linkName,
    backend_type: resource.type,
    resource_id: resource.type === 'apim' ? resource.service.id : resource.app.id,
    details_sealed: ctx.sealer.seal(JSON.stringify(details)),
    created_at: now,
    updated_at: now,
  };
  await ctx.db.transaction().execute(async (trx) => {
    await trx.deleteFrom('linked_backends').where('environment_id', '=', environment.id).execute();
    await trx.insertInto('linked_backends').values(row).execute();
    await trx.insertInto('changes').values({ hostname: environment.hostname, at: now }).execute();
  });
}

/** Stops proxying an environment's `/api`; a gateway's product and subscription stay (as in Azure). */
export async function unlinkBackend(
  ctx: ControlContext,
  site: Site,
  environmentName: string,
  name?: string,
): Promise<void> {
  const environment = await getEnvironment(ctx, site, environmentName);
  await findNamedLink(ctx, site, environment, name);
  await ctx.db.deleteFrom('linked_backends').where('environment_id', '=', environment.id).execute();
  await recordChange(ctx, environment.hostname);
}

/** The name a link is known by: the one given at link time, else its resource's. */
function linkNameOf(link: LinkedBackendsTable): string {
  return link.link_name ?? link.name;
}

/** The environment's link when it is known by `name` (any link when `name` is undefined); else a 404. */
async function findNamedLink(
  ctx: ControlContext,
  site: Site,
  environment: Environment,
  name: string | undefined,
): Promise<LinkedBackendsTable> {
  const link = await findLink(ctx, environment.id);
  if (link === undefined || (name !== undefined && linkNameOf(link).toLowerCase() !== name.toLowerCase())) {
    throw new PorticoError(
      'CONTROL_LINK_NOT_FOUND',
      `The environment '${environment.name}' of '${site.name}' has no linked backend${name === undefined ? '' : ` named '${name}'`}${link === undefined ? '' : `; its link is named '${linkNameOf(link)}'`}.`,
    );
  }
  return link;
}

/** The link of an environment known by `name`, with its status. */
export async function getLink(
  ctx: ControlContext,
  site: Site,
  environmentName: string,
  name: string,
): Promise<LinkView> {
  const environment = await getEnvironment(ctx, site, environmentName);
  await findNamedLink(ctx, site, environment, name);
  return viewLink(ctx, site, environment);
}

/** The link of an environment (0 or 1), with its status. */
export async function listLinks(
  ctx: ControlContext,
  site: Site,
  environmentName: string,
): Promise<LinkView[]> {
  const environment = await getEnvironment(ctx, site, environmentName);
  const link = await findLink(ctx, environment.id);
  return link === undefined ? [] : [await viewLink(ctx, site, environment)];
}

async function viewLink(ctx: ControlContext, site: Site, environment: Environment): Promise<LinkView> {
  const link = await findLink(ctx, environment.id);
  if (link === undefined) {
    throw new PorticoError(
      'CONTROL_LINK_NOT_FOUND',
      `The environment '${environment.name}' of '${site.name}' has no linked backend.`,
    );
  }
  const problems = await linkProblems(ctx, link, environment);
  return {
    name: linkNameOf(link),
    environment: environment.name,
    backendType: link.backend_type,
    resourceName: link.name,
    createdOn: link.created_at,
    status: problems.length === 0 ? 'Healthy' : 'Broken',
    problems,
  };
}

/** Why a link no longer works, if it does not (Portico goes beyond Azure here: spec/apim.md §3.1). */
async function linkProblems(
  ctx: ControlContext,
  link: LinkedBackendsTable,
  environment: Environment,
): Promise<string[]> {
  if (link.backend_type === 'apim') {
    const service = await findApimServiceById(ctx, link.resource_id);
    if (service === undefined) {
      return [`the API Management service '${link.name}' no longer exists`];
    }
    const details = JSON.parse(ctx.sealer.unseal(link.details_sealed)) as GatewayLinkDetails;
    const isolation = serviceIsolation(service);
    return [
      ...(isolation === undefined ? [] : [`the API Management service is network-isolated (${isolation})`]),
      ...(await gatewayLinkProblems(ctx, service, environment, details)),
    ];
  }
  const app = await findBackendAppById(ctx, link.resource_id);
  if (app === undefined) {
    return [`the ${link.backend_type} '${link.name}' no longer exists`];
  }
  const problems: string[] = [];
  if (app.publicNetworkAccess === 'Disabled') {
    problems.push(`the ${kindLabel(app.kind)} is network-isolated (publicNetworkAccess Disabled)`);
  }
  if (app.kind === 'functionapp' && !app.hasContent) {
    problems.push('the function app has no content yet (portico functionapp create … --api <dir>)');
  }
  return problems;
}

/** Restores a broken gateway link: product, subscription, policy and the key the site sends. */
export async function repairLink(
  ctx: ControlContext,
  site: Site,
  environmentName: string,
  name?: string,
): Promise<LinkView> {
  const environment = await getEnvironment(ctx, site, environmentName);
  const link = await findLink(ctx, environment.id);
  if (link === undefined) {
    throw new PorticoError(
      'CONTROL_LINK_NOT_FOUND',
      `The environment '${environment.name}' of '${site.name}' has no linked backend to repair; link one with 'portico link'.`,
    );
  }
  if (name !== undefined) {
    await findNamedLink(ctx, site, environment, name);
  }
  if (link.backend_type === 'apim') {
    const service = await findApimServiceById(ctx, link.resource_id);
    if (service === undefined) {
      throw new PorticoError(
        'CONTROL_LINK_REFUSED',
        `The API Management service '${link.name}' no longer exists; unlink and link another one.`,
      );
    }
    const details = await setUpGatewayLink(ctx, service, environment);
    await saveLink(ctx, site, environment, { type: 'apim', service }, details, link.link_name);
  }
  return viewLink(ctx, site, environment);
}

/** The link of an environment as the data plane uses it; undefined when none (or its resource is gone). */
export async function resolveLink(
  ctx: ControlContext,
  environmentId: string,
): Promise<ResolvedLink | undefined> {
  const link = await findLink(ctx, environmentId);
  if (link === undefined) {
    return undefined;
  }
  if (link.backend_type === 'apim') {
    const service = await findApimServiceById(ctx, link.resource_id);
    const details = JSON.parse(ctx.sealer.unseal(link.details_sealed)) as GatewayLinkDetails;
    return service === undefined
      ? undefined
      : { type: 'apim', gatewayHostname: service.gatewayHostname, subscriptionKey: details.primaryKey };
  }
  const app = await findBackendAppById(ctx, link.resource_id);
  if (app === undefined) {
    return undefined;
  }
  return app.kind === 'functionapp'
    ? { type: 'functionapp', hostname: app.hostname ?? '' }
    : { type: app.kind, backendUrl: app.backendUrl ?? '' };
}

/** The environments (site id, hostname) linked to a resource: a function app checks tokens against them. */
export async function linkedEnvironments(
  ctx: ControlContext,
  resourceId: string,
): Promise<{ siteId: string; hostname: string }[]> {
  return ctx.db
    .selectFrom('linked_backends')
    .innerJoin('environments', 'environments.id', 'linked_backends.environment_id')
    .select(['linked_backends.site_id as siteId', 'environments.hostname as hostname'])
    .where('linked_backends.resource_id', '=', resourceId)
    .execute();
}
