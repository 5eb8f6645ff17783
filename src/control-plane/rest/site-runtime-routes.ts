/**
 * What an environment's active deployment runs, in Azure's shapes: its functions
 * (`listStaticSiteFunctions`, `listStaticSiteBuildFunctions`; Portico adds route, methods and auth level)
 * and, as a Portico extension, the identity providers its config registers with the presence of the app
 * settings they name (names only, never values).
 */
import type { ControlContext } from '../context.js';
import { listRegisteredProviders, type RegisteredProvider } from '../identity-providers.js';
import {
  type DeployedFunction,
  type FunctionsInspector,
  listEnvironmentFunctions,
} from '../site-functions.js';
import { environmentOf, siteOf } from './params.js';
import { buildName, siteId } from './resources.js';
import type { Route, RouteRequest } from './router.js';

const SITE =
  '/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Web/staticSites/{name}';
const BUILD = `${SITE}/builds/{environmentName}`;

/** Azure's `StaticSiteFunctionOverviewARMResource`, with the function's route, methods and auth level. */
export function functionResource(parent: string, type: string, fn: DeployedFunction): unknown {
  return {
    id: `${parent}/functions/${fn.name}`,
    name: fn.name,
    type,
    properties: {
      functionName: fn.name,
      triggerType: 'HttpTrigger',
      route: fn.route,
      methods: fn.methods,
      authLevel: fn.authLevel,
    },
  };
}

/** A registered identity provider (Portico extension). */
export function providerResource(parent: string, provider: RegisteredProvider): unknown {
  return {
    id: `${parent}/identityProviders/${provider.name}`,
    name: provider.name,
    type: 'Microsoft.Web/staticSites/builds/identityProviders',
    properties: {
      kind: provider.kind,
      enabled: provider.enabled,
      settings: provider.settings,
      settingsComplete: provider.settings.every((setting) => setting.present),
    },
  };
}

/** The routes; `functions` lists a loaded API's functions (absent: only environments without one answer). */
export function createSiteRuntimeRoutes(ctx: ControlContext, functions?: FunctionsInspector): Route[] {
  const listFunctions = (build: boolean) => async (r: RouteRequest) => {
    const site = await siteOf(ctx, r);
    const environment = environmentOf(r);
    const found = await listEnvironmentFunctions(ctx, site, environment, functions);
    const parent = build ? `${siteId(site.name)}/builds/${buildName(environment)}` : siteId(site.name);
    const type = build ? 'Microsoft.Web/staticSites/builds/functions' : 'Microsoft.Web/staticSites/functions';
    return { status: 200, body: { value: found.map((fn) => functionResource(parent, type, fn)) } };
  };
  const listProviders = async (r: RouteRequest) => {
    const site = await siteOf(ctx, r);
    const environment = environmentOf(r);
    const providers = await listRegisteredProviders(ctx, site, environment);
    const parent = `${siteId(site.name)}/builds/${buildName(environment)}`;
    return { status: 200, body: { value: providers.map((p) => providerResource(parent, p)) } };
  };
  return [
    {
      method: 'GET',
      path: `${SITE}/functions`,
      auth: 'admin',
      summary: "List the functions of production's managed API (loads the API if it is not running)",
      handler: listFunctions(false),
    },
    {
      method: 'GET',
      path: `${BUILD}/functions`,
      auth: 'admin',
      summary: "List the functions of an environment's managed API (loads the API if it is not running)",
      handler: listFunctions(true),
    },
    {
      method: 'GET',
      path: `${BUILD}/identityProviders`,
      auth: 'admin',
      summary:
        'Portico only: the identity providers the active config registers, and whether the app settings they name exist (names only)',
      handler: listProviders,
    },
  ];
}
