/**
 * Backend routes of the management API (docs/rest-api.md): function apps and web apps
 * (`Microsoft.Web/sites`), container apps (`Microsoft.App/containerApps`), a function app's content, and
 * (from link-routes.ts) the linked backends of site environments and the rotation of a site's signing key.
 */

import { isRecord } from '../../shared/guards.js';
import {
  type BackendApp,
  type BackendAppKind,
  deleteBackendApp,
  getBackendApp,
  listBackendApps,
  missingFunctionContent,
  namespaceOf,
  parseFunctionContent,
  putBackendApp,
  setFunctionContent,
  uploadFunctionContent,
  webKindOf,
} from '../backends/index.js';
import type { ControlContext } from '../context.js';
import { readBody, readJson } from './http.js';
import { withKnownKeys } from './known-keys.js';
import { createLinkRoutes } from './link-routes.js';
import { checkScope, checkSubscription, propertiesOf } from './params.js';
import { RESOURCE_GROUP, SUBSCRIPTION_ID } from './resources.js';
import type { Route, RouteRequest } from './router.js';

const PROVIDERS = '/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers';
const WEB_SITES = `${PROVIDERS}/Microsoft.Web/sites`;
const CONTAINER_APPS = `${PROVIDERS}/Microsoft.App/containerApps`;

/** The backend routes. */
export function createBackendRoutes(ctx: ControlContext): Route[] {
  return [...webSiteRoutes(ctx), ...containerAppRoutes(ctx), ...contentRoutes(ctx), ...createLinkRoutes(ctx)];
}

function appResourceId(app: BackendApp): string {
  return `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/${RESOURCE_GROUP}/providers/${namespaceOf(app.kind)}/${app.name}`;
}

function appResource(ctx: ControlContext, app: BackendApp): unknown {
  const common = { id: appResourceId(app), name: app.name, location: 'portico' };
  const publicNetworkAccess = app.publicNetworkAccess;
  if (app.kind === 'containerapp') {
    const fqdn = new URL(app.backendUrl ?? 'http://invalid').host;
    return {
      ...common,
      type: 'Microsoft.App/containerApps',
      properties: {
        backendUrl: app.backendUrl,
        configuration: { ingress: { fqdn, external: true } },
        publicNetworkAccess,
      },
    };
  }
  const defaultHostName = app.hostname ?? new URL(app.backendUrl ?? 'http://invalid').host;
  const url = app.hostname === null ? app.backendUrl : ctx.publicUrl(app.hostname);
  return {
    ...common,
    type: 'Microsoft.Web/sites',
    kind: app.kind === 'functionapp' ? 'functionapp' : 'app',
    properties: {
      defaultHostName,
      url,
      backendUrl: app.backendUrl,
      publicNetworkAccess,
      hasContent: app.hasContent,
      lastModifiedTimeUtc: app.updatedAt,
    },
  };
}

/** The properties of an app's PUT that Portico reads, in any case (`BackendUrl`), as Azure does. */
const APP_PROPERTIES = ['backendUrl', 'publicNetworkAccess'];

/** An app's PUT body with `kind` and `properties` spelled in any case read as those. */
function appBodyOf(body: unknown): unknown {
  return isRecord(body) ? withKnownKeys(body, ['kind', 'properties']) : body;
}

function name(r: RouteRequest, param = 'appName'): string {
  checkScope(r.params);
  return r.params[param] ?? '';
}

/** GET one, PUT, DELETE and GET list of one namespace. */
function appRoutes(
  ctx: ControlContext,
  collection: string,
  label: string,
  kindOf: (body: unknown) => BackendAppKind,
  kinds: readonly BackendAppKind[],
): Route[] {
  const ITEM = `${collection}/{appName}`;
  // Function apps and web apps share `Microsoft.Web/sites`, so looking up either kind finds both.
  const find = (r: RouteRequest) => getBackendApp(ctx, kinds[0] ?? 'webapp', name(r));
  const namespace = namespaceOf(kinds[0] ?? 'webapp');
  const list = async () => ({
    status: 200,
    body: { value: (await listBackendApps(ctx, namespace)).map((app) => appResource(ctx, app)) },
  });
  return [
    {
      method: 'GET',
      path: collection,
      auth: 'admin',
      summary: `List ${label}`,
      handler: (r) => {
        checkScope(r.params);
        return list();
      },
    },
    {
      method: 'GET',
      path: `/subscriptions/{subscriptionId}/providers/${namespace}`,
      auth: 'admin',
      summary: `List ${label} of the subscription (the same list: Portico has one resource group)`,
      handler: (r) => {
        checkSubscription(r.params);
        return list();
      },
    },
    {
      method: 'PUT',
      path: ITEM,
      auth: 'admin',
      summary: `Create or update a ${label.replace(/s$/, '')} (If-None-Match: * only creates: 409 if it exists)`,
      requestExample: kinds.includes('functionapp')
        ? { kind: 'app', properties: { backendUrl: 'https://api.example.com' } }
        : { properties: { backendUrl: 'https://api.example.com' } },
      handler: async (r) => {
        const body = appBodyOf(await readJson(r.req, 64 * 1024));
        const createOnly = r.req.headers['if-none-match'] === '*';
        const { app, created } = await putBackendApp(
          ctx,
          kindOf(body),
          name(r),
          withKnownKeys(propertiesOf(body), APP_PROPERTIES, 'properties.'),
          createOnly,
        );
        return { status: created ? 201 : 200, body: appResource(ctx, app) };
      },
    },
    {
      method: 'GET',
      path: ITEM,
      auth: 'admin',
      summary: `Get a ${label.replace(/s$/, '')}`,
      handler: async (r) => ({ status: 200, body: appResource(ctx, await find(r)) }),
    },
    {
      method: 'DELETE',
      path: ITEM,
      auth: 'admin',
      summary: `Delete a ${label.replace(/s$/, '')} (refused while linked)`,
      handler: async (r) => {
        await deleteBackendApp(ctx, await find(r));
        return { status: 204 };
      },
    },
  ];
}

function webSiteRoutes(ctx: ControlContext): Route[] {
  return appRoutes(ctx, WEB_SITES, 'function apps and web apps', webKindOf, ['webapp', 'functionapp']);
}

function containerAppRoutes(ctx: ControlContext): Route[] {
  return appRoutes(ctx, CONTAINER_APPS, 'container apps', () => 'containerapp', ['containerapp']);
}

function contentRoutes(ctx: ControlContext): Route[] {
  const CONTENT = `${WEB_SITES}/{appName}/content`;
  const functionApp = (r: RouteRequest) => getBackendApp(ctx, 'functionapp', name(r));
  return [
    {
      method: 'POST',
      path: `${CONTENT}/check`,
      auth: 'admin',
      summary: 'Which contents of a function app API folder the server lacks',
      requestExample: { api: [{ path: 'host.json', size: 2, sha256: '0'.repeat(64) }] },
      handler: async (r) => {
        const app = await functionApp(r);
        const files = parseFunctionContent(await readJson(r.req));
        return { status: 200, body: { missing: await missingFunctionContent(ctx, app, files) } };
      },
    },
    {
      method: 'PUT',
      path: `${CONTENT}/files/{sha256}`,
      auth: 'admin',
      summary: 'Upload one content of a function app (raw bytes)',
      handler: async (r) => {
        const app = await functionApp(r);
        await uploadFunctionContent(ctx, app, r.params.sha256 ?? '', await readBody(r.req, 64 * 1024 * 1024));
        return { status: 204 };
      },
    },
    {
      method: 'PUT',
      path: CONTENT,
      auth: 'admin',
      summary: 'Make the listed files the content of a function app (installs its dependencies)',
      handler: async (r) => {
        const app = await functionApp(r);
        await setFunctionContent(ctx, app, parseFunctionContent(await readJson(r.req)));
        return { status: 200, body: appResource(ctx, await functionApp(r)) };
      },
    },
  ];
}
