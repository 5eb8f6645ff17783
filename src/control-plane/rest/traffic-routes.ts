/**
 * Traffic routes of the management API (Portico extension, decision 0032): `GET {site}/traffic` and
 * `GET {service}/traffic`, with `?window=hour` (60 one-minute points, the default) or `?window=day` (96
 * quarter-hour points). Azure shows these as Monitor metrics; Portico answers one small document per
 * resource, shaped like its other extensions (`{ id, name, type, properties }`).
 */
import type { ControlContext } from '../context.js';
import { PRODUCTION } from '../names.js';
import {
  parseTrafficWindow,
  readServiceTraffic,
  readSiteTraffic,
  type ServiceTraffic,
  type SiteTraffic,
} from '../traffic/index.js';
import { serviceResourceId } from './apim-resources.js';
import { checkScope } from './params.js';
import { buildName, siteId } from './resources.js';
import type { Route, RouteRequest } from './router.js';

const SITE =
  '/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Web/staticSites/{name}';
const SERVICE =
  '/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.ApiManagement/service/{serviceName}';

/** The traffic routes. */
export function createTrafficRoutes(ctx: ControlContext): Route[] {
  return [
    {
      method: 'GET',
      path: `${SITE}/traffic`,
      auth: 'admin',
      summary:
        'Requests, 4xx, 5xx and p95 latency of every environment of a static site, per minute over the last hour (?window=hour) or per quarter hour over the last day (?window=day)',
      handler: async (r) => {
        const name = nameOf(r, 'name');
        const traffic = await readSiteTraffic(ctx, name, parseTrafficWindow(r.query.get('window')));
        return { status: 200, body: siteTrafficResource(name, traffic) };
      },
    },
    {
      method: 'GET',
      path: `${SERVICE}/traffic`,
      auth: 'admin',
      summary:
        'Gateway calls per API with 401, 403, 429 and 5xx answers, per minute over the last hour (?window=hour) or per quarter hour over the last day (?window=day)',
      handler: async (r) => {
        const name = nameOf(r, 'serviceName');
        const traffic = await readServiceTraffic(ctx, name, parseTrafficWindow(r.query.get('window')));
        return { status: 200, body: serviceTrafficResource(name, traffic) };
      },
    },
  ];
}

function nameOf(r: RouteRequest, param: string): string {
  checkScope(r.params);
  return r.params[param] ?? '';
}

function windowProperties(traffic: SiteTraffic | ServiceTraffic) {
  const { grid } = traffic;
  return {
    window: grid.window,
    interval: grid.interval,
    start: new Date(grid.start).toISOString(),
    end: new Date(grid.start + grid.points * grid.stepMs).toISOString(),
  };
}

/** The site's traffic document; environments by the CLI's names, with their REST build names. */
function siteTrafficResource(name: string, traffic: SiteTraffic): unknown {
  return {
    id: `${siteId(name)}/traffic`,
    name: 'traffic',
    type: 'Microsoft.Web/staticSites/traffic',
    properties: {
      ...windowProperties(traffic),
      environments: traffic.environments.map((environment) => ({
        name: environment.environment,
        buildName: buildName(environment.environment),
        isProduction: environment.environment === PRODUCTION,
        totals: environment.totals,
        points: environment.points,
      })),
    },
  };
}

/** The service's traffic document; `api` is empty for calls that matched no API. */
function serviceTrafficResource(name: string, traffic: ServiceTraffic): unknown {
  return {
    id: `${serviceResourceId(name)}/traffic`,
    name: 'traffic',
    type: 'Microsoft.ApiManagement/service/traffic',
    properties: {
      ...windowProperties(traffic),
      apis: traffic.apis.map((api) => ({ api: api.api, totals: api.totals, points: api.points })),
    },
  };
}
