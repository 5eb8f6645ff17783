// @ts-check
/**
 * The portal's only way to the server: the management REST API of docs/rest-api.md on this same origin,
 * with `Authorization: Bearer <admin token>`. The token lives in `sessionStorage` (this tab only; closing
 * the tab or "Sign out" forgets it). API errors become {@link ApiError}s carrying the API's own message,
 * which says what to fix, so the views show it as is.
 */

const TOKEN_KEY = 'portico.adminToken';

/** `{sites}` of docs/rest-api.md: Portico's one subscription and resource group. */
export const SITES_PATH =
  '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/portico/providers/Microsoft.Web/staticSites';

/** The providers an invitation may name (the API's list). */
export const INVITATION_PROVIDERS = ['github', 'aad', 'twitter', 'google', 'facebook', 'apple'];

/** `{providers}` of docs/rest-api.md, where API Management services and backend apps live. */
export const PROVIDERS_PATH =
  '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/portico/providers';

/**
 * The backend types a site environment may link, with Azure's names and where their resources are.
 * @type {{ type: 'apim' | 'functionapp' | 'webapp' | 'containerapp', label: string, plural: string, collection: string, kind?: string }[]}
 */
export const BACKEND_TYPES = [
  {
    type: 'apim',
    label: 'API Management',
    plural: 'API Management services',
    collection: 'Microsoft.ApiManagement/service',
  },
  {
    type: 'functionapp',
    label: 'Function App',
    plural: 'Function apps',
    collection: 'Microsoft.Web/sites',
    kind: 'functionapp',
  },
  { type: 'webapp', label: 'Web App', plural: 'Web apps', collection: 'Microsoft.Web/sites', kind: 'app' },
  {
    type: 'containerapp',
    label: 'Container App',
    plural: 'Container apps',
    collection: 'Microsoft.App/containerApps',
  },
];

/** An error answer of the API (or a network failure, `status` 0). */
export class ApiError extends Error {
  /**
   * @param {number} status
   * @param {string} code
   * @param {string} message
   * @param {{ path: string, message: string }[]} [details]
   */
  constructor(status, code, message, details = []) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

/** The admin token of this tab, or null when signed out. */
export function readToken() {
  return sessionStorage.getItem(TOKEN_KEY);
}

/** @param {string} token */
export function saveToken(token) {
  sessionStorage.setItem(TOKEN_KEY, token);
}

export function forgetToken() {
  sessionStorage.removeItem(TOKEN_KEY);
}

/** @type {(error: ApiError) => void} */
let onUnauthorized = () => {};

/**
 * Sets what happens when the admin token stops working mid-session (it was changed on the server).
 * @param {(error: ApiError) => void} listener
 */
export function setUnauthorizedListener(listener) {
  onUnauthorized = listener;
}

/**
 * One API call; resolves with the parsed JSON answer, rejects with an {@link ApiError}.
 * @param {string} method
 * @param {string} path
 * @param {{ body?: unknown, bytes?: Uint8Array<ArrayBuffer>, token?: string | null, headers?: Record<string, string> }} [options]
 *   `body` is sent as JSON, `bytes` as they are (`application/octet-stream`)
 * @returns {Promise<any>}
 */
export async function call(method, path, options = {}) {
  return (await callVersioned(method, path, options)).body;
}

/**
 * {@link call}, with the version the answer names (its `ETag`), for an edit that must not overwrite a
 * change made since it was read (`If-Match`).
 * @param {string} method
 * @param {string} path
 * @param {{ body?: unknown, bytes?: Uint8Array<ArrayBuffer>, token?: string | null, headers?: Record<string, string> }} [options]
 * @returns {Promise<{ body: any, etag: string | undefined }>}
 */
export async function callVersioned(method, path, options = {}) {
  const token = options.token === undefined ? readToken() : options.token;
  /** @type {Record<string, string>} */
  const headers = {
    ...options.headers,
    accept: 'application/json',
    authorization: `Bearer ${token ?? ''}`,
  };
  if (options.body !== undefined) {
    headers['content-type'] = 'application/json';
  } else if (options.bytes !== undefined) {
    headers['content-type'] = 'application/octet-stream';
  }
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: options.body === undefined ? options.bytes : JSON.stringify(options.body),
      cache: 'no-store',
      credentials: 'omit',
    });
  } catch {
    // The browser's own words (TypeError: Failed to fetch) say nothing a user can act on.
    throw new ApiError(
      0,
      'NETWORK',
      'The Portico server did not answer: it may be stopped or restarting, or the network is down. Check that portico serve is running, then try again.',
    );
  }
  const body = await readBody(response);
  if (response.ok) {
    return { body, etag: response.headers.get('etag') ?? undefined };
  }
  const error = toApiError(response, body);
  if (error.code === 'CONTROL_UNAUTHORIZED' && options.token === undefined) {
    onUnauthorized(error);
  }
  throw error;
}

/** @param {Response} response */
async function readBody(response) {
  const text = await response.text();
  if (text === '') {
    return {};
  }
  try {
    return JSON.parse(text);
  } catch {
    return { text };
  }
}

/**
 * @param {Response} response
 * @param {any} body
 */
function toApiError(response, body) {
  const error = body?.error;
  if (error?.code === 'CONTROL_UNAUTHORIZED') {
    // The API's message tells a REST caller which header to send; here the token is typed in.
    return new ApiError(response.status, error.code, UNAUTHORIZED_TEXT);
  }
  if (error !== null && typeof error === 'object' && typeof error.message === 'string') {
    const remedy = typeof error.problem === 'string' ? describeRemedy(error.remedy) : undefined;
    const message = remedy === undefined ? error.message : `${error.problem} ${remedy}`;
    return new ApiError(response.status, String(error.code ?? ''), message, error.details ?? []);
  }
  return new ApiError(
    response.status,
    'HTTP',
    `The server answered ${response.status} ${response.statusText || ''}`.trim(),
  );
}

/** A refused admin token, in the sign-in screen's terms. */
const UNAUTHORIZED_TEXT =
  'This is not the admin token of this Portico server. Use the value of PORTICO_ADMIN_TOKEN it was started with, or the contents of the file <data>/admin-token.';

/**
 * An error's remedy (`src/shared/errors.ts` `Remedy`) in the portal's words: where its controls do it,
 * in place of the CLI command the message names. Undefined for a kind this portal does not know (the
 * API's message, with the command, is shown then).
 * @param {any} remedy
 * @returns {string | undefined}
 */
function describeRemedy(remedy) {
  const site = String(remedy?.site ?? '');
  switch (remedy?.kind) {
    case 'standard-plan':
      return `Change it to Standard under Overview › Hosting plan of ${site}.`;
    case 'delete-domain':
      return `Delete it there first, on the Custom domains tab of ${site}.`;
    case 'list-sites':
      return 'It may have been deleted (in another tab or by someone else); the list of Static Web Apps shows the sites there are.';
    case 'list-users':
      return `They may have been removed meanwhile (in another tab or by someone else); Role management of ${site} lists its users as they are now.`;
    default:
      return undefined;
  }
}

/**
 * The path of a static web app.
 * @param {string} name
 */
export function sitePath(name) {
  return `${SITES_PATH}/${encodeURIComponent(name)}`;
}

/**
 * @param {string} name
 * @param {string} build
 */
function build(name, build) {
  return `${sitePath(name)}/builds/${encodeURIComponent(build)}`;
}

/** Calls of the management API, named like the Azure operations they mirror. */
export const api = {
  /** @param {string | null} [token] a token to try instead of the saved one (sign-in) */
  listSites: (token) => call('GET', SITES_PATH, token === undefined ? {} : { token }),
  /** @param {string} name @param {string} sku */
  createSite: (name, sku) =>
    call('PUT', sitePath(name), {
      body: { location: 'portico', sku: { name: sku }, properties: {} },
      headers: { 'if-none-match': '*' },
    }),
  /** @param {string} name */
  getSite: (name) => call('GET', sitePath(name)),
  /** @param {string} name @param {string} sku */
  setPlan: (name, sku) => call('PATCH', sitePath(name), { body: { sku: { name: sku } } }),
  /** @param {string} name */
  deleteSite: (name) => call('DELETE', sitePath(name)),
  /** @param {string} name @returns {Promise<string>} */
  listSecrets: async (name) => (await call('POST', `${sitePath(name)}/listSecrets`)).properties.apiKey,
  /** @param {string} name @returns {Promise<string>} */
  resetApiKey: async (name) => (await call('POST', `${sitePath(name)}/resetapikey`)).properties.apiKey,
  /** @param {string} name */
  listBuilds: async (name) => (await call('GET', `${sitePath(name)}/builds`)).value,
  /** @param {string} name @param {string} buildName */
  deleteBuild: (name, buildName) => call('DELETE', build(name, buildName)),
  /** @param {string} name @param {string} buildName */
  listDeployments: async (name, buildName) =>
    (await call('GET', `${build(name, buildName)}/deployments`)).value,
  /**
   * The settings with their version, which {@link api.replaceAppSettings} sends back.
   * @param {string} name @param {string} buildName
   * @returns {Promise<{ properties: Record<string, string>, etag?: string }>}
   */
  readAppSettings: async (name, buildName) => {
    const answer = await call('POST', `${build(name, buildName)}/listAppSettings`);
    return { properties: answer.properties ?? {}, etag: answer.etag };
  },
  /**
   * Replaces the settings while they are still version `etag` (else a 412 CONTROL_PRECONDITION_FAILED).
   * @param {string} name @param {string} buildName @param {Record<string, string>} properties
   * @param {string} [etag]
   * @returns {Promise<{ properties: Record<string, string>, etag?: string }>}
   */
  replaceAppSettings: async (name, buildName, properties, etag) => {
    /** @type {Record<string, string>} */
    const headers = {};
    if (etag !== undefined) {
      headers['if-match'] = etag;
    }
    const answer = await call('PUT', `${build(name, buildName)}/config/appsettings`, {
      body: { properties },
      headers,
    });
    return { properties: answer.properties ?? {}, etag: answer.etag };
  },
  /** @param {string} name */
  listUsers: async (name) => (await call('POST', `${sitePath(name)}/authproviders/all/listUsers`)).value,
  /**
   * @param {string} name
   * @param {{ provider: string, userDetails: string, roles: string, numHoursToExpiration: number, domain?: string }} properties `domain`: where the link opens (default: the generated host name)
   * @returns {Promise<{ invitationUrl: string, expiresOn: string }>}
   */
  createInvitation: async (name, properties) =>
    (await call('POST', `${sitePath(name)}/createUserInvitation`, { body: { properties } })).properties,
  /** @param {string} name @param {string} provider @param {string} userId @param {string} roles */
  updateUserRoles: (name, provider, userId, roles) =>
    call('PATCH', userPath(name, provider, userId), { body: { properties: { roles } } }),
  /** @param {string} name @param {string} provider @param {string} userId */
  removeUser: (name, provider, userId) => call('DELETE', userPath(name, provider, userId)),
  /** @param {string} name @param {string} buildName @returns {Promise<any[]>} 0 or 1 link */
  listLinkedBackends: async (name, buildName) =>
    (await call('GET', `${build(name, buildName)}/linkedBackends`)).value,
  /**
   * Links an environment to a backend; the link is named after the resource, as `portico link` does.
   * @param {string} name @param {string} buildName @param {string} backendType @param {string} resource
   */
  linkBackend: (name, buildName, backendType, resource) =>
    call('PUT', `${build(name, buildName)}/linkedBackends/${encodeURIComponent(resource)}`, {
      body: { properties: { backendResourceId: backendResourceId(backendType, resource), backendType } },
    }),
  /** @param {string} name @param {string} buildName @param {string} linkName */
  unlinkBackend: (name, buildName, linkName) =>
    call('DELETE', `${build(name, buildName)}/linkedBackends/${encodeURIComponent(linkName)}`),
  /** @param {string} name @param {string} buildName @param {string} linkName */
  repairLink: (name, buildName, linkName) =>
    call('POST', `${build(name, buildName)}/linkedBackends/${encodeURIComponent(linkName)}/repair`),
  /**
   * The resources of a backend type (function apps and web apps share a collection, told apart by kind).
   * @param {string} backendType @returns {Promise<any[]>}
   */
  listBackends: async (backendType) => {
    const spec = backendTypeOf(backendType);
    const { value } = await call('GET', `${PROVIDERS_PATH}/${spec.collection}`);
    return (value ?? []).filter((/** @type {any} */ r) => spec.kind === undefined || r.kind === spec.kind);
  },
  /**
   * The names of the resources of a backend type, which a link may name.
   * @param {string} backendType @returns {Promise<string[]>}
   */
  listBackendResources: async (backendType) =>
    (await api.listBackends(backendType)).map((r) => String(r.name)),
  /**
   * Makes an earlier successful deployment live again. This call authenticates with the site's
   * deployment token (docs/rest-api.md), which is fetched with the admin token first.
   * @param {string} name @param {string} environment @param {string} deploymentId
   */
  rollback: async (name, environment, deploymentId) => {
    const token = await api.listSecrets(name);
    return call('POST', '/deploy/v1/rollback', { token, body: { environment, deploymentId } });
  },
};

/** @param {string} name @param {string} provider @param {string} userId */
function userPath(name, provider, userId) {
  return `${sitePath(name)}/authproviders/${encodeURIComponent(provider)}/users/${encodeURIComponent(userId)}`;
}

/**
 * The entry of {@link BACKEND_TYPES} of a backend type. An unknown type throws, so no call is made with a
 * path guessed for it.
 * @param {string} type
 */
function backendTypeOf(type) {
  const spec = BACKEND_TYPES.find((t) => t.type === type);
  if (spec === undefined) {
    const known = BACKEND_TYPES.map((t) => t.type).join(', ');
    throw new Error(`Unknown backend type "${type}"; the portal knows ${known}.`);
  }
  return spec;
}

/**
 * The resource path of a backend (`{providers}/<collection>/<name>`): where it is created, changed and
 * deleted, and the `backendResourceId` a link names. An unknown type throws ({@link backendTypeOf}).
 * @param {string} type `apim`, `functionapp`, `webapp` or `containerapp`
 * @param {string} name
 */
export function backendResourceId(type, name) {
  return `${PROVIDERS_PATH}/${backendTypeOf(type).collection}/${encodeURIComponent(name)}`;
}
