/**
 * The routes of the management API (docs/rest-api.md): static sites, builds (environments), app
 * settings, users and invitations with the admin token; the deployment steps with a deployment token.
 */
import { PorticoError } from '../../shared/errors.js';
import { isRecord } from '../../shared/guards.js';
import type { ControlContext } from '../context.js';
import {
  appendApiWarnings,
  checkTokenSite,
  commitDeployment,
  createDeployment,
  getDeployment,
  latestDeploymentStatuses,
  listDeployments,
  rollbackDeployment,
  uploadDeploymentFile,
} from '../deployments.js';
import { listCustomDomains } from '../domains/index.js';
import {
  closeEnvironment,
  deleteEnvironment,
  type Environment,
  getEnvironment,
  listEnvironments,
} from '../environments.js';
import { missingSettingWarnings } from '../identity-providers.js';
import { listStandardFeaturesInUse } from '../plans.js';
import { mintTestSession } from '../sessions.js';
import { listAppSettings, replaceAppSettings, settingsVersion } from '../settings.js';
import type { FunctionsInspector } from '../site-functions.js';
import {
  authenticateDeploymentToken,
  createSite,
  deleteSite,
  findSite,
  listSites,
  parseSku,
  readDeploymentToken,
  resetDeploymentToken,
  type Site,
  setSku,
  setTags,
} from '../sites.js';
import { createInvitation, listUsers, parseRoles, removeUser, updateUserRoles } from '../users.js';
import { createApimRoutes } from './apim-routes.js';
import { createBackendRoutes } from './backend-routes.js';
import { createDomainRoutes } from './domain-routes.js';
import { declaredLength, readJson } from './http.js';
import {
  checkScope,
  checkSubscription,
  environmentOf,
  propertiesOf,
  requiredPropertiesOf,
  siteOf,
} from './params.js';
import {
  buildResource,
  deploymentResource,
  siteResource,
  userResource,
  withCustomDomains,
} from './resources.js';
import type { Route, RouteRequest } from './router.js';
import { readSiteBody } from './site-body.js';
import { createSiteRuntimeRoutes } from './site-runtime-routes.js';
import { createTrafficRoutes } from './traffic-routes.js';

const SITES =
  '/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Web/staticSites';
const SUBSCRIPTION_SITES = '/subscriptions/{subscriptionId}/providers/Microsoft.Web/staticSites';
const SITE = `${SITES}/{name}`;

/** Builds the route table over the services; `functions` lists the functions of loaded APIs (serve). */
export function createRoutes(ctx: ControlContext, functions?: FunctionsInspector): Route[] {
  return [
    ...siteRoutes(ctx),
    ...buildRoutes(ctx),
    ...settingRoutes(ctx),
    ...userRoutes(ctx),
    ...deployRoutes(ctx),
    ...createApimRoutes(ctx),
    ...createBackendRoutes(ctx),
    ...createDomainRoutes(ctx),
    ...createTrafficRoutes(ctx),
    ...createSiteRuntimeRoutes(ctx, functions),
  ];
}

/** The ids of the environments whose active deployment has managed functions. */
/** The build resources of environments, with what their status and managed API need. */
async function buildResources(
  ctx: ControlContext,
  site: Site,
  environments: readonly Environment[],
): Promise<unknown[]> {
  const withApi = await environmentsWithManagedApi(ctx, environments);
  const latest = await latestDeploymentStatuses(
    ctx,
    environments.map((e) => e.id),
  );
  return environments.map((e) =>
    buildResource(site, e, ctx.publicUrl(e.hostname), withApi.has(e.id), latest.get(e.id)),
  );
}

async function environmentsWithManagedApi(
  ctx: ControlContext,
  environments: readonly Environment[],
): Promise<Set<string>> {
  const active = environments.flatMap((e) => (e.activeDeploymentId === null ? [] : [e.activeDeploymentId]));
  if (active.length === 0) {
    return new Set();
  }
  const rows = await ctx.db
    .selectFrom('deployments')
    .select('environment_id')
    .where('id', 'in', active)
    .where('has_api', '=', 1)
    .execute();
  return new Set(rows.map((row) => row.environment_id));
}

/**
 * Applies a requested plan and tags (undefined: as they are); a downgrade is refused while in use, and
 * then the tags do not change either.
 */
async function updateSite(
  ctx: ControlContext,
  site: Site,
  requested: unknown,
  tags: Record<string, string> | undefined,
): Promise<Site> {
  let updated = site;
  if (requested !== undefined) {
    const sku = parseSku(requested);
    const blockers = sku === 'Free' ? await listStandardFeaturesInUse(ctx, site) : [];
    updated = await setSku(ctx, site.name, sku, blockers);
  }
  return tags === undefined ? updated : setTags(ctx, updated, tags);
}

function siteRoutes(ctx: ControlContext): Route[] {
  return [
    {
      method: 'GET',
      path: SITES,
      auth: 'admin',
      summary: 'List static sites',
      handler: async (r) => {
        checkScope(r.params);
        return { status: 200, body: { value: (await listSites(ctx)).map(siteResource) } };
      },
    },
    {
      method: 'GET',
      path: SUBSCRIPTION_SITES,
      auth: 'admin',
      summary: 'List static sites of the subscription (the same list: Portico has one resource group)',
      handler: async (r) => {
        checkSubscription(r.params);
        return { status: 200, body: { value: (await listSites(ctx)).map(siteResource) } };
      },
    },
    {
      method: 'PUT',
      path: SITE,
      auth: 'admin',
      summary:
        'Create a static site, or update the plan of an existing one (If-None-Match: * only creates: 409 if it exists)',
      requestExample: { location: 'portico', sku: { name: 'Free' }, properties: {} },
      handler: async (r) => {
        checkScope(r.params);
        const { sku, tags } = readSiteBody(await readJson(r.req));
        const existing = await findSite(ctx, r.params.name ?? '');
        if (existing !== undefined && r.req.headers['if-none-match'] !== '*') {
          return { status: 200, body: siteResource(await updateSite(ctx, existing, sku, tags)) };
        }
        const { site, token } = await createSite(
          ctx,
          r.params.name ?? '',
          sku === undefined ? 'Free' : parseSku(sku),
          tags,
        );
        const resource = siteResource(site) as { properties: Record<string, unknown> };
        return { status: 201, body: { ...resource, properties: { ...resource.properties, apiKey: token } } };
      },
    },
    {
      method: 'GET',
      path: SITE,
      auth: 'admin',
      summary: 'Get a static site',
      handler: async (r) => {
        const site = await siteOf(ctx, r);
        const domains = await listCustomDomains(ctx, site.name);
        return { status: 200, body: withCustomDomains(siteResource(site), domains) };
      },
    },
    {
      method: 'PATCH',
      path: SITE,
      auth: 'admin',
      summary: 'Update a static site: its plan (sku) and tags when given',
      requestExample: { sku: { name: 'Standard' } },
      handler: async (r) => {
        const site = await siteOf(ctx, r);
        const { sku, tags } = readSiteBody(await readJson(r.req));
        return { status: 200, body: siteResource(await updateSite(ctx, site, sku, tags)) };
      },
    },
    {
      method: 'DELETE',
      path: SITE,
      auth: 'admin',
      summary: 'Delete a static site and everything of it',
      handler: async (r) => {
        const site = await siteOf(ctx, r);
        await deleteSite(ctx, site.name);
        return { status: 200, body: {} };
      },
    },
    {
      method: 'POST',
      path: `${SITE}/listSecrets`,
      auth: 'admin',
      summary: 'Show the deployment token',
      handler: async (r) => {
        const site = await siteOf(ctx, r);
        return { status: 200, body: { properties: { apiKey: await readDeploymentToken(ctx, site.name) } } };
      },
    },
    {
      method: 'POST',
      path: `${SITE}/resetapikey`,
      auth: 'admin',
      summary: 'Replace the deployment token (the old one stops working)',
      handler: async (r) => {
        const site = await siteOf(ctx, r);
        return { status: 200, body: { properties: { apiKey: await resetDeploymentToken(ctx, site.name) } } };
      },
    },
  ];
}

function buildRoutes(ctx: ControlContext): Route[] {
  return [
    {
      method: 'GET',
      path: `${SITE}/builds`,
      auth: 'admin',
      summary: 'List the environments (builds) of a site',
      handler: async (r) => {
        const site = await siteOf(ctx, r);
        const environments = await listEnvironments(ctx, site);
        return { status: 200, body: { value: await buildResources(ctx, site, environments) } };
      },
    },
    {
      method: 'GET',
      path: `${SITE}/builds/{environmentName}`,
      auth: 'admin',
      summary: 'Get an environment (build); production is "default"',
      handler: async (r) => {
        const site = await siteOf(ctx, r);
        const environment = await getEnvironment(ctx, site, environmentOf(r));
        const [build] = await buildResources(ctx, site, [environment]);
        return { status: 200, body: build };
      },
    },
    {
      method: 'DELETE',
      path: `${SITE}/builds/{environmentName}`,
      auth: 'admin',
      summary: 'Delete a pre-production environment with its content and settings',
      handler: async (r) => {
        const site = await siteOf(ctx, r);
        await deleteEnvironment(ctx, site, environmentOf(r));
        return { status: 200, body: {} };
      },
    },
    {
      method: 'GET',
      path: `${SITE}/builds/{environmentName}/deployments`,
      auth: 'admin',
      summary: 'List the deployments of an environment, newest first',
      handler: async (r) => {
        const site = await siteOf(ctx, r);
        const environment = await getEnvironment(ctx, site, environmentOf(r));
        const deployments = await listDeployments(ctx, site, environment.name);
        return {
          status: 200,
          body: { value: deployments.map((d) => deploymentResource(site, environment, d)) },
        };
      },
    },
  ];
}

function settingRoutes(ctx: ControlContext): Route[] {
  // The settings' version rides along as `etag` (and the ETag header), for an If-Match on the next PUT.
  const versioned = (properties: Record<string, string>) => {
    const etag = settingsVersion(properties);
    return { status: 200, body: { properties, etag }, headers: { etag } };
  };
  const list = async (r: RouteRequest) => {
    const site = await siteOf(ctx, r);
    return versioned(await listAppSettings(ctx, site, environmentOf(r)));
  };
  const put = async (r: RouteRequest) => {
    const site = await siteOf(ctx, r);
    const properties = requiredPropertiesOf(await readJson(r.req));
    const ifMatch = r.req.headers['if-match'];
    const environment = environmentOf(r);
    const saved = versioned(await replaceAppSettings(ctx, site, environment, properties, ifMatch));
    // Portico only, beside `etag`: the app settings the live sign-in registrations name and now lack.
    const warnings = await missingSettingWarnings(ctx, site, environment, saved.body.properties);
    return warnings.length === 0 ? saved : { ...saved, body: { ...saved.body, warnings } };
  };
  const example = { properties: { DATABASE_URL: 'postgres://…', FEATURE_X: 'on' } };
  // Azure's "function app settings" of a static site are its managed functions' settings: in Portico,
  // its app settings, under both names (older `az staticwebapp appsettings` and scripts use the first).
  const functionAppAliases: Route[] = [
    ['', 'production'],
    ['/builds/{environmentName}', 'an environment'],
  ].flatMap(([at, of]) => [
    {
      method: 'POST',
      path: `${SITE}${at}/listFunctionAppSettings`,
      auth: 'admin',
      summary: `List app settings of ${of} (Azure's function app settings: the same settings)`,
      handler: list,
    },
    {
      method: 'PUT',
      path: `${SITE}${at}/config/functionappsettings`,
      auth: 'admin',
      summary: `Replace app settings of ${of} (Azure's function app settings: the same settings)`,
      requestExample: example,
      handler: put,
    },
  ]);
  return [
    {
      method: 'POST',
      path: `${SITE}/listAppSettings`,
      auth: 'admin',
      summary: 'List app settings of production',
      handler: list,
    },
    {
      method: 'PUT',
      path: `${SITE}/config/appsettings`,
      auth: 'admin',
      summary: 'Replace app settings of production',
      requestExample: example,
      handler: put,
    },
    {
      method: 'POST',
      path: `${SITE}/builds/{environmentName}/listAppSettings`,
      auth: 'admin',
      summary: 'List app settings of an environment',
      handler: list,
    },
    {
      method: 'PUT',
      path: `${SITE}/builds/{environmentName}/config/appsettings`,
      auth: 'admin',
      summary: 'Replace app settings of an environment',
      requestExample: example,
      handler: put,
    },
    ...functionAppAliases,
  ];
}

function userRoutes(ctx: ControlContext): Route[] {
  return [
    {
      method: 'POST',
      path: `${SITE}/createUserInvitation`,
      auth: 'admin',
      summary: 'Invite a user to take custom roles',
      requestExample: {
        properties: {
          provider: 'github',
          userDetails: 'octocat',
          roles: 'admin,editor',
          numHoursToExpiration: 24,
        },
      },
      handler: async (r) => {
        const site = await siteOf(ctx, r);
        const p = propertiesOf(await readJson(r.req));
        const invitation = await createInvitation(ctx, site, {
          provider: String(p.provider ?? ''),
          userDetails: String(p.userDetails ?? ''),
          roles: parseRoles(p.roles),
          hours: Number(p.numHoursToExpiration ?? 24),
          domain: typeof p.domain === 'string' && p.domain !== '' ? p.domain : undefined,
        });
        return { status: 200, body: { properties: invitation } };
      },
    },
    {
      method: 'POST',
      path: `${SITE}/authproviders/{provider}/listUsers`,
      auth: 'admin',
      summary: 'List users with custom roles ("all" for every provider)',
      handler: async (r) => {
        const site = await siteOf(ctx, r);
        const users = await listUsers(ctx, site, r.params.provider);
        return { status: 200, body: { value: users.map((u) => userResource(site, u)) } };
      },
    },
    {
      method: 'PATCH',
      path: `${SITE}/authproviders/{provider}/users/{userId}`,
      auth: 'admin',
      summary: "Replace a user's custom roles",
      requestExample: { properties: { roles: 'reader' } },
      handler: async (r) => {
        const site = await siteOf(ctx, r);
        const roles = parseRoles(propertiesOf(await readJson(r.req)).roles);
        const user = await updateUserRoles(ctx, site, r.params.provider ?? '', r.params.userId ?? '', roles);
        return { status: 200, body: userResource(site, user) };
      },
    },
    {
      method: 'DELETE',
      path: `${SITE}/authproviders/{provider}/users/{userId}`,
      auth: 'admin',
      summary: 'Remove a user',
      handler: async (r) => {
        const site = await siteOf(ctx, r);
        await removeUser(ctx, site, r.params.provider ?? '', r.params.userId ?? '');
        return { status: 200, body: {} };
      },
    },
    {
      method: 'POST',
      path: `${SITE}/createTestSession`,
      auth: 'admin',
      summary:
        'Portico only: mint a session cookie for an identity, with the roles the site gives it (for scripts and tests, no provider involved)',
      requestExample: {
        properties: { provider: 'github', userDetails: 'octocat', hours: 8, environmentName: 'production' },
      },
      handler: async (r) => {
        const site = await siteOf(ctx, r);
        const p = propertiesOf(await readJson(r.req));
        const session = await mintTestSession(ctx, site, {
          provider: String(p.provider ?? ''),
          userDetails: String(p.userDetails ?? ''),
          hours: Number(p.hours ?? 8),
          ...(p.environmentName === undefined ? {} : { environment: String(p.environmentName) }),
        });
        return { status: 200, body: { properties: session } };
      },
    },
  ];
}

function deployRoutes(ctx: ControlContext): Route[] {
  const siteOfToken = (r: RouteRequest) => authenticateDeploymentToken(ctx, r.token);
  return [
    {
      method: 'POST',
      path: '/deploy/v1/deployments',
      auth: 'deployment',
      summary: 'Start a deployment: list its files; the answer names the contents to upload',
      requestExample: {
        environment: 'production',
        app: [{ path: 'index.html', size: 120, sha256: '0'.repeat(64) }],
      },
      handler: async (r) => {
        const site = await siteOfToken(r);
        const created = await createDeployment(ctx, site, await readJson(r.req));
        const { deployment, missing, copiedAppSettings } = created;
        const copied = copiedAppSettings === undefined ? {} : { environmentCreated: true, copiedAppSettings };
        return { status: 201, body: { id: deployment.id, site: site.name, missing, ...copied } };
      },
    },
    {
      method: 'GET',
      path: '/deploy/v1/deployments/{id}',
      auth: 'deployment',
      summary:
        "A deployment of the token's site, with its log so far (a commit in progress shows its install as it goes)",
      handler: async (r) => {
        const site = await siteOfToken(r);
        const deployment = await getDeployment(ctx, site, r.params.id ?? '');
        const environment = (await listEnvironments(ctx, site)).find(
          (e) => e.id === deployment.environmentId,
        );
        if (environment === undefined) {
          throw new PorticoError(
            'DEPLOY_NOT_FOUND',
            `The environment of deployment ${deployment.id} was deleted.`,
          );
        }
        return { status: 200, body: deploymentResource(site, environment, deployment) };
      },
    },
    {
      method: 'PUT',
      path: '/deploy/v1/deployments/{id}/files/{sha256}',
      auth: 'deployment',
      summary:
        'Upload one content (raw bytes) of a deployment; a body larger than the size its file list declares is refused (413) as it arrives',
      handler: async (r) => {
        const site = await siteOfToken(r);
        const length = declaredLength(r.req);
        await uploadDeploymentFile(ctx, site, r.params.id ?? '', r.params.sha256 ?? '', r.req, length);
        return { status: 204 };
      },
    },
    {
      method: 'POST',
      path: '/deploy/v1/deployments/{id}/commit',
      auth: 'deployment',
      summary: 'Check a fully uploaded deployment and make it live',
      handler: async (r) => {
        const site = await siteOfToken(r);
        const committed = await commitDeployment(ctx, site, r.params.id ?? '');
        const environment = (await listEnvironments(ctx, site)).find((e) => e.id === committed.environmentId);
        if (environment === undefined) {
          throw new PorticoError(
            'DEPLOY_STATE',
            'The environment was deleted during the deploy; deploy again.',
          );
        }
        // The content is live either way (as in Azure); a managed API that does not load is told now,
        // and so is what it holds that Static Web Apps does not run (Azure refuses such a deploy).
        const api = committed.hasApi ? await ctx.checkApi?.(environment.hostname) : undefined;
        const apiWarnings = api?.warnings ?? [];
        // Kept in the deployment's log too, for the deployment lists and the portal.
        const deployment = await appendApiWarnings(ctx, committed, apiWarnings);
        return {
          status: 200,
          body: deploymentResource(site, environment, deployment, {
            url: ctx.publicUrl(environment.hostname),
            hostname: environment.hostname,
            ...(api?.problem === undefined ? {} : { apiProblem: api.problem }),
            ...(apiWarnings.length === 0 ? {} : { apiWarnings }),
          }),
        };
      },
    },
    {
      method: 'DELETE',
      path: '/deploy/v1/environments/{environment}',
      auth: 'deployment',
      summary:
        "Close a preview environment of the token's site (Azure's deploy action with action: close): it goes with its content, deployments and settings; one already gone answers closed: false",
      handler: async (r) => {
        const site = await siteOfToken(r);
        checkTokenSite(site, r.query.get('site') ?? undefined);
        const named = r.params.environment ?? '';
        // The name as stored (`pr2` for `PR2`): the CLI prints it.
        const closed = await closeEnvironment(ctx, site, named);
        return {
          status: 200,
          body: { site: site.name, environment: closed ?? named, closed: closed !== undefined },
        };
      },
    },
    {
      method: 'POST',
      path: '/deploy/v1/rollback',
      auth: 'deployment',
      summary: 'Make an earlier successful deployment live again',
      requestExample: { environment: 'production', site: 'shop' },
      handler: async (r) => {
        const site = await siteOfToken(r);
        const body = await readJson(r.req);
        const envName =
          isRecord(body) && typeof body.environment === 'string' ? body.environment : 'production';
        const id = isRecord(body) && typeof body.deploymentId === 'string' ? body.deploymentId : undefined;
        checkTokenSite(site, isRecord(body) ? body.site : undefined);
        const deployment = await rollbackDeployment(ctx, site, envName, id);
        const environment = await getEnvironment(ctx, site, envName);
        return {
          status: 200,
          body: deploymentResource(site, environment, deployment, {
            url: ctx.publicUrl(environment.hostname),
          }),
        };
      },
    },
  ];
}
