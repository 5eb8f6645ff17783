/**
 * Linked backends of site environments (Azure `linkedBackends`; spec/swa-behaviour.md §3.2–3.4,
 * spec/apim.md §3–4): link, unlink, list, status and repair, for API Management services, function apps,
 * web apps and container apps.
 */
import { PorticoError } from '../../shared/errors.js';
import { errorMessage } from '../../shared/guards.js';
import type { LinkedBackendsTable } from '../../storage/index.js';
import { findPolicy, putPolicy } from '../apim/policies.js';
import { findApimServiceById } from '../apim/service.js';
import { type ControlContext, recordChange } from '../context.js';
import { type Environment, findEnvironmentById, getEnvironment } from '../environments.js';
import type { Site } from '../sites.js';
import { findBackendAppById, kindLabel } from './apps.js';
import {
  type GatewayLinkDetails,
  gatewayLinkProblems,
  linkPolicyAddress,
  linkPolicyXml,
  setUpGatewayLink,
} from './gateway-link.js';
import { checkLink, findLink, type LinkRequest, type Resource, serviceIsolation } from './link-checks.js';

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

/** What a gateway link keeps, unsealed (throws when the sealed details do not open). */
function gatewayDetailsOf(
  ctx: ControlContext,
  link: Pick<LinkedBackendsTable, 'details_sealed'>,
): GatewayLinkDetails {
  return JSON.parse(ctx.sealer.unseal(link.details_sealed)) as GatewayLinkDetails;
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
    const details = gatewayDetailsOf(ctx, link);
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

/** A gateway link whose policy {@link followServiceAddress} rewrote for the service's new address. */
export interface MovedLink {
  readonly hostname: string;
  readonly service: string;
  readonly from: string;
  readonly to: string;
}

/** What {@link followServiceAddress} did: the links it moved, and why it could not check others. */
export interface FollowedAddress {
  readonly moved: readonly MovedLink[];
  /** One line per link it could not check or rewrite (its environment's id and the reason). */
  readonly failures: readonly string[];
}

/**
 * Rewrites the validate-jwt policy of every gateway link that still holds, unedited, the policy linking
 * wrote for another address of this service (it restarted on another port, or with HTTPS turned on or off),
 * so its sites' tokens, signed for the new address, pass again. A policy a user changed is left as it is;
 * the link's status names it. Each link is checked on its own: one that fails leaves the others moved.
 */
export async function followServiceAddress(ctx: ControlContext): Promise<FollowedAddress> {
  const links = await ctx.db
    .selectFrom('linked_backends')
    .select(['environment_id', 'resource_id', 'details_sealed'])
    .where('backend_type', '=', 'apim')
    .execute();
  const moved: MovedLink[] = [];
  const failures: string[] = [];
  for (const link of links) {
    try {
      const done = await followLink(ctx, link);
      if (done !== undefined) {
        moved.push(done);
      }
    } catch (error) {
      const reason = errorMessage(error);
      failures.push(`the link of environment ${link.environment_id}: ${reason}`);
    }
  }
  return { moved, failures };
}

/** Moves one gateway link's policy to the service's address when it is linking's, for another address. */
async function followLink(
  ctx: ControlContext,
  link: Pick<LinkedBackendsTable, 'environment_id' | 'resource_id' | 'details_sealed'>,
): Promise<MovedLink | undefined> {
  const service = await findApimServiceById(ctx, link.resource_id);
  const environment = await findEnvironmentById(ctx, link.environment_id);
  if (service === undefined || environment === undefined) {
    return undefined;
  }
  const { productId } = gatewayDetailsOf(ctx, link);
  const target = { scope: 'product', productId } as const;
  const value = (await findPolicy(ctx, service.id, target))?.properties.value;
  const from = value === undefined ? undefined : linkPolicyAddress(ctx, service, environment, value);
  if (from === undefined) {
    return undefined;
  }
  await putPolicy(ctx, service.id, target, {
    format: 'rawxml',
    value: linkPolicyXml(ctx, service, environment),
  });
  return {
    hostname: environment.hostname,
    service: service.name,
    from,
    to: ctx.publicUrl(service.gatewayHostname),
  };
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
    const details = gatewayDetailsOf(ctx, link);
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
