/**
 * The management client: every admin call of docs/rest-api.md as a typed method. Environments are named
 * as the CLI names them (`production` or the environment name); the client maps production to Azure's
 * build name `default` and back.
 */
import { type HttpMethod, request } from './http.js';
import type {
  AppSettingsDocument,
  Build,
  Deployment,
  Invitation,
  InvitationInput,
  Plan,
  ResourceList,
  Site,
  SiteSecrets,
  SkuName,
  TestSession,
  User,
} from './types.js';

/** The one subscription of a Portico service. */
export const SUBSCRIPTION_ID = '00000000-0000-0000-0000-000000000000';
/** The one resource group of a Portico service. */
export const RESOURCE_GROUP = 'portico';
/** The path of the static sites collection; a site is `${SITES_PATH}/{name}`. */
export const SITES_PATH = `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/${RESOURCE_GROUP}/providers/Microsoft.Web/staticSites`;
/** The environment every site has; REST calls its build `default`. */
export const PRODUCTION = 'production';

/** Where the management API is and the admin token. */
export interface ManagementClientOptions {
  /** Base URL of the admin listener, e.g. `http://127.0.0.1:4281`. */
  readonly url: string;
  /** The admin token (`PORTICO_ADMIN_TOKEN` or `<data>/admin-token`). */
  readonly token: string;
}

/** Typed calls of the management API; each rejects with a `PorticoError` on failure. */
export interface ManagementClient {
  listSites(): Promise<readonly Site[]>;
  /** Creates a site; the answer's `properties.apiKey` is its deployment token. */
  createSite(name: string, plan?: Plan): Promise<Site>;
  getSite(name: string): Promise<Site>;
  deleteSite(name: string): Promise<void>;
  setPlan(name: string, plan: Plan): Promise<Site>;
  /** The deployment token of a site. */
  listSecrets(name: string): Promise<SiteSecrets>;
  /** Replaces the deployment token; the old one stops working. */
  resetApiKey(name: string): Promise<SiteSecrets>;
  listBuilds(site: string): Promise<readonly Build[]>;
  /** Deletes a pre-production environment with its content and settings. */
  deleteBuild(site: string, environment: string): Promise<void>;
  /** The deployments of an environment, newest first. */
  listDeployments(site: string, environment: string): Promise<readonly Deployment[]>;
  listAppSettings(site: string, environment: string): Promise<Readonly<Record<string, string>>>;
  /** The app settings of an environment with their version (`etag`). */
  readAppSettings(site: string, environment: string): Promise<AppSettingsDocument>;
  /**
   * Replaces every app setting of an environment; returns the settings now stored (and what sign-in then
   * lacks, `warnings`). With `ifMatch` (an `etag` read before), only while they are still that version:
   * else 412 `CONTROL_PRECONDITION_FAILED`.
   */
  putAppSettings(
    site: string,
    environment: string,
    settings: Readonly<Record<string, string>>,
    ifMatch?: string,
  ): Promise<AppSettingsDocument>;
  createInvitation(site: string, invitation: InvitationInput): Promise<Invitation>;
  /** The users holding custom roles, of every provider. */
  listUsers(site: string): Promise<readonly User[]>;
  /** Replaces a user's custom roles. */
  updateUser(site: string, provider: string, userId: string, roles: readonly string[]): Promise<User>;
  deleteUser(site: string, provider: string, userId: string): Promise<void>;
  /** Mints a session cookie for an identity (Portico only, for testing). */
  createTestSession(
    site: string,
    session: { provider: string; userDetails: string; hours: number; environmentName?: string },
  ): Promise<TestSession>;
}

/** REST build name of an environment: production is `default`. */
export function buildName(environment: string): string {
  return environment === PRODUCTION ? 'default' : environment;
}

/** Environment name of a REST build name: `default` is production. */
export function environmentName(build: string): string {
  return build === 'default' ? PRODUCTION : build;
}

/** The REST path of a site, with the name encoded. */
export function sitePath(name: string): string {
  return `${SITES_PATH}/${encodeURIComponent(name)}`;
}

function buildPath(site: string, environment: string): string {
  return `${sitePath(site)}/builds/${encodeURIComponent(buildName(environment))}`;
}

/** Production's settings live on the site itself; other environments' on their build. */
function settingsBase(site: string, environment: string): string {
  return environment === PRODUCTION ? sitePath(site) : buildPath(site, environment);
}

function userPath(site: string, provider: string, userId: string): string {
  return `${sitePath(site)}/authproviders/${encodeURIComponent(provider)}/users/${encodeURIComponent(userId)}`;
}

function skuOf(plan: Plan): { name: SkuName } {
  return { name: plan === 'standard' ? 'Standard' : 'Free' };
}

/**
 * Creates a client of the management API.
 *
 * @example
 * const client = createManagementClient({ url: 'http://127.0.0.1:4281', token });
 * const site = await client.createSite('blog', 'standard');
 */
export function createManagementClient(options: ManagementClientOptions): ManagementClient {
  const call = <T>(method: HttpMethod, path: string, json?: unknown): Promise<T> =>
    request<T>(options, { method, path, json });
  const send = async (method: HttpMethod, path: string): Promise<void> => {
    await call<unknown>(method, path);
  };
  const list = async <T>(method: HttpMethod, path: string): Promise<readonly T[]> =>
    (await call<ResourceList<T>>(method, path)).value;
  const readAppSettings = (site: string, environment: string) =>
    call<AppSettingsDocument>('POST', `${settingsBase(site, environment)}/listAppSettings`);
  return {
    listSites: () => list<Site>('GET', SITES_PATH),
    // PUT is create-or-update, as in Azure; `if-none-match: *` keeps an existing site from being changed.
    createSite: (name, plan = 'free') =>
      request<Site>(options, {
        method: 'PUT',
        path: sitePath(name),
        json: { sku: skuOf(plan) },
        headers: { 'if-none-match': '*' },
      }),
    getSite: (name) => call<Site>('GET', sitePath(name)),
    deleteSite: (name) => send('DELETE', sitePath(name)),
    setPlan: (name, plan) => call<Site>('PATCH', sitePath(name), { sku: skuOf(plan) }),
    listSecrets: (name) => call<SiteSecrets>('POST', `${sitePath(name)}/listSecrets`),
    resetApiKey: (name) => call<SiteSecrets>('POST', `${sitePath(name)}/resetapikey`),
    listBuilds: (site) => list<Build>('GET', `${sitePath(site)}/builds`),
    deleteBuild: (site, environment) => send('DELETE', buildPath(site, environment)),
    listDeployments: (site, environment) =>
      list<Deployment>('GET', `${buildPath(site, environment)}/deployments`),
    listAppSettings: async (site, environment) => (await readAppSettings(site, environment)).properties,
    readAppSettings,
    putAppSettings: (site, environment, settings, ifMatch) =>
      request<AppSettingsDocument>(options, {
        method: 'PUT',
        path: `${settingsBase(site, environment)}/config/appsettings`,
        json: { properties: settings },
        ...(ifMatch === undefined ? {} : { headers: { 'if-match': ifMatch } }),
      }),
    createInvitation: (site, invitation) =>
      call<Invitation>('POST', `${sitePath(site)}/createUserInvitation`, invitationBody(invitation)),
    listUsers: (site) => list<User>('POST', `${sitePath(site)}/authproviders/all/listUsers`),
    updateUser: (site, provider, userId, roles) =>
      call<User>('PATCH', userPath(site, provider, userId), { properties: { roles: roles.join(',') } }),
    deleteUser: (site, provider, userId) => send('DELETE', userPath(site, provider, userId)),
    createTestSession: (site, session) =>
      call<TestSession>('POST', `${sitePath(site)}/createTestSession`, { properties: session }),
  };
}

function invitationBody(invitation: InvitationInput): unknown {
  return {
    properties: {
      provider: invitation.provider,
      userDetails: invitation.userDetails,
      roles: invitation.roles.join(','),
      numHoursToExpiration: invitation.hours,
      ...(invitation.domain === undefined ? {} : { domain: invitation.domain }),
    },
  };
}
