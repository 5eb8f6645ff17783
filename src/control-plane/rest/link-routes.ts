/**
 * Linked backends of site environments (docs/rest-api.md): `{site}/linkedBackends/{name}` for production, as
 * Azure has it, and `{site}/builds/{build}/linkedBackends/{name}` per build, one table entry at each level
 * (decision 0042); and the rotation of a site's token signing key.
 */
import { PorticoError } from '../../shared/errors.js';
import {
  getLink,
  type LinkRequest,
  type LinkView,
  linkBackend,
  listLinks,
  repairLink,
  unlinkBackend,
  validateLink,
} from '../backends/index.js';
import type { ControlContext } from '../context.js';
import { rotateSigningKey } from '../signing-keys.js';
import type { Site } from '../sites.js';
import { createEntityRoutes, type Entity, type EntityCall } from './entity-routes.js';
import { readJson } from './http.js';
import { environmentOf, propertiesOf, siteOf } from './params.js';
import { buildName, RESOURCE_GROUP, SUBSCRIPTION_ID, siteId } from './resources.js';
import type { Route, RouteRequest } from './router.js';

const SITE =
  '/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Web/staticSites/{name}';

/** What a link's functions get: the site (looked up first) and the environment the path names. */
interface LinkCall extends EntityCall {
  readonly ctx: ControlContext;
  readonly site: Site;
  readonly environment: string;
  /** The link's name in the path (none on the list). */
  readonly linkName: string | undefined;
}

/** The link routes, then the signing key's rotation. */
export function createLinkRoutes(ctx: ControlContext): Route[] {
  return [
    ...createEntityRoutes({
      auth: 'admin',
      callOf: (r) => linkCallOf(ctx, r),
      entities: [linkEntity(SITE, 'site'), linkEntity(`${SITE}/builds/{environmentName}`, 'build')],
    }),
    {
      method: 'POST',
      path: `${SITE}/rotateSigningKey`,
      auth: 'admin',
      summary:
        'Start signing backend tokens with a new key (Portico extension); the old key stays published until its tokens expire',
      handler: async (r) => {
        const site = await siteOf(ctx, r);
        await rotateSigningKey(ctx, site.id);
        return { status: 204 };
      },
    },
  ];
}

async function linkCallOf(ctx: ControlContext, r: RouteRequest): Promise<LinkCall> {
  const site = await siteOf(ctx, r);
  return { r, ctx, site, environment: environmentOf(r), linkName: r.params.linkedBackendName };
}

const BACKENDS = `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/${RESOURCE_GROUP}/providers`;

/**
 * Where a link is asked for: at site level (production: `{site}/linkedBackends/{name}`, resource type
 * `Microsoft.Web/staticSites/linkedBackends`), or per build (`{site}/builds/{env}/linkedBackends/{name}`,
 * type `Microsoft.Web/staticSites/builds/linkedBackends`), as Azure names each.
 */
type LinkLevel = 'site' | 'build';

/** The same entry at site level (production) and per build. */
function linkEntity(base: string, level: LinkLevel): Entity<LinkCall, LinkView> {
  return {
    path: `${base}/linkedBackends/{linkedBackendName}`,
    names: { one: 'a linked backend', plural: 'linked backends', parent: 'an environment' },
    summaries: {
      list: 'The backend linked to an environment (with its status)',
      put: 'Link a backend (API Management, function app, web app or container app) to an environment',
      get: 'The backend linked to an environment under this name (with its status)',
      delete: 'Unlink the backend of an environment (a gateway keeps its product and subscription)',
    },
    examples: {
      put: {
        properties: {
          backendResourceId: `${BACKENDS}/Microsoft.ApiManagement/service/contoso`,
          backendType: 'apim',
        },
      },
    },
    resource: (at, link) => linkResource(at.site, link, level),
    list: (at) => listLinks(at.ctx, at.site, at.environment),
    listFields: {
      properties: [
        'backendResourceId',
        'backendType',
        'resourceName',
        'region',
        'createdOn',
        'provisioningState',
        'status',
        'problems',
      ],
    },
    put: async (at) => ({
      entity: await linkBackend(at.ctx, at.site, at.environment, await linkRequestOf(at.r)),
    }),
    get: (at) => getLink(at.ctx, at.site, at.environment, at.linkName ?? ''),
    delete: (at) => unlinkBackend(at.ctx, at.site, at.environment, at.linkName),
    actions: [
      {
        method: 'POST',
        name: 'validate',
        summary: 'Check that a backend can be linked, changing nothing (a refusal is a 400 naming the rule)',
        requestExample: { properties: { backendResourceId: `${BACKENDS}/Microsoft.Web/sites/my-api` } },
        handle: async (at) => {
          await validateLink(at.ctx, at.site, at.environment, await linkRequestOf(at.r));
          return { status: 200, body: {} };
        },
      },
      {
        method: 'POST',
        name: 'repair',
        summary: 'Restore a broken link (Portico extension): product, subscription, policy and key',
        handle: async (at) => {
          const link = await repairLink(at.ctx, at.site, at.environment, at.linkName);
          return { status: 200, body: linkResource(at.site, link, level) };
        },
      },
    ],
  };
}

function linkResource(site: Site, link: LinkView, level: LinkLevel): unknown {
  const build = level === 'site' ? '' : `/builds/${buildName(link.environment)}`;
  return {
    id: `${siteId(site.name)}${build}/linkedBackends/${link.name}`,
    name: link.name,
    type: `Microsoft.Web/staticSites${level === 'site' ? '' : '/builds'}/linkedBackends`,
    properties: {
      backendResourceId:
        link.backendType === 'apim'
          ? `${BACKENDS}/Microsoft.ApiManagement/service/${link.resourceName}`
          : `${BACKENDS}/${link.backendType === 'containerapp' ? 'Microsoft.App/containerApps' : 'Microsoft.Web/sites'}/${link.resourceName}`,
      backendType: link.backendType,
      resourceName: link.resourceName,
      region: 'portico',
      createdOn: link.createdOn,
      provisioningState: 'Succeeded',
      status: link.status,
      problems: link.problems,
    },
  };
}

/** The body of a link or validate request, with the link's name from the path. */
async function linkRequestOf(r: RouteRequest): Promise<LinkRequest> {
  const props = propertiesOf(await readJson(r.req, 64 * 1024));
  if (typeof props.backendResourceId !== 'string') {
    throw new PorticoError(
      'CONTROL_BAD_REQUEST',
      props.backendResourceId === undefined || props.backendResourceId === null
        ? 'properties.backendResourceId is required: the resource id of the backend to link.'
        : `properties.backendResourceId must be a string (got ${typeof props.backendResourceId}): the resource id of the backend to link.`,
    );
  }
  return {
    backendResourceId: props.backendResourceId,
    backendType: props.backendType,
    ...(r.params.linkedBackendName === undefined ? {} : { name: r.params.linkedBackendName }),
  };
}
