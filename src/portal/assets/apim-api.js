// @ts-check
/**
 * The REST calls of the API Management and backend screens (docs/rest-api.md, "API Management services"
 * and "Backends and links"), over the same `call` as every other screen. Kept apart from `api.js` so
 * the static web app screens and these grow without touching each other.
 */
import {
  ApiError,
  api,
  BACKEND_TYPES,
  backendResourceId,
  call,
  callVersioned,
  PROVIDERS_PATH,
} from './api.js';

/** The API Management services collection. */
export const SERVICES_PATH = `${PROVIDERS_PATH}/Microsoft.ApiManagement/service`;

/**
 * The backend app kinds of the Backends page: the backend types a site links, but API Management.
 * @type {{ type: 'functionapp' | 'webapp' | 'containerapp', label: string, plural: string, collection: string, kind?: string }[]}
 */
export const APP_KINDS = BACKEND_TYPES.flatMap((spec) =>
  spec.type === 'apim' ? [] : [{ ...spec, type: spec.type }],
);

/**
 * The path of a service, or of something in it: `servicePath('gw', 'apis', 'orders')`.
 * @param {string} service
 * @param {...string} segments each encoded
 */
export function servicePath(service, ...segments) {
  return [SERVICES_PATH, service, ...segments].map((s, i) => (i === 0 ? s : encodeURIComponent(s))).join('/');
}

/**
 * The policy document path of a scope.
 * @typedef {{ kind: 'global' } | { kind: 'product', productId: string } | { kind: 'api', apiId: string } | { kind: 'operation', apiId: string, operationId: string }} PolicyScope
 * @param {string} service
 * @param {PolicyScope} scope
 */
export function policyPath(service, scope) {
  const parts =
    scope.kind === 'product'
      ? ['products', scope.productId]
      : scope.kind === 'api'
        ? ['apis', scope.apiId]
        : scope.kind === 'operation'
          ? ['apis', scope.apiId, 'operations', scope.operationId]
          : [];
  return `${servicePath(service, ...parts)}/policies/policy`;
}

/** @param {string} path @returns {Promise<any[]>} */
async function list(path) {
  return (await call('GET', path)).value ?? [];
}

/**
 * @param {string} path
 * @param {Record<string, unknown>} properties
 * @param {Record<string, unknown>} [extra] top-level fields beside `properties` (e.g. `kind`)
 */
function put(path, properties, extra = {}) {
  return call('PUT', path, { body: { ...extra, properties } });
}

/** Calls of the API Management services, named like the Azure operations they mirror. */
export const apim = {
  listServices: () => list(SERVICES_PATH),
  /** @param {string} name */
  getService: (name) => call('GET', servicePath(name)),
  /** @param {string} name @param {Record<string, unknown>} properties */
  createService: (name, properties) =>
    call('PUT', servicePath(name), {
      body: { location: 'portico', properties },
      headers: { 'if-none-match': '*' },
    }),
  /** @param {string} name */
  deleteService: (name) => call('DELETE', servicePath(name)),
  /** @param {string} service @param {string} collection e.g. `apis`, `products` */
  list: (service, collection) => list(servicePath(service, collection)),
  /**
   * Creates or replaces an entity: `apim.put('gw', ['apis', 'orders'], { path: 'orders', … })`.
   * @param {string} service @param {string[]} segments @param {Record<string, unknown>} properties
   */
  put: (service, segments, properties) => put(servicePath(service, ...segments), properties),
  /**
   * Creates an entity, refusing one that exists (`If-None-Match: *`): an Add form never replaces what is
   * there under the same name.
   * @param {string} service @param {string[]} segments @param {Record<string, unknown>} properties
   */
  create: async (service, segments, properties) => {
    try {
      return await call('PUT', servicePath(service, ...segments), {
        body: { properties },
        headers: { 'if-none-match': '*' },
      });
    } catch (error) {
      if (error instanceof ApiError && error.code === 'CONTROL_ENTITY_EXISTS') {
        const name = segments[segments.length - 1];
        throw new ApiError(error.status, error.code, `'${name}' exists already; pick another name.`);
      }
      throw error;
    }
  },
  /**
   * Changes only the properties given (Azure's `Update`, a PATCH).
   * @param {string} service @param {string[]} segments @param {Record<string, unknown>} properties
   */
  update: (service, segments, properties) =>
    call('PATCH', servicePath(service, ...segments), { body: { properties } }),
  /**
   * One entity as it is now, with its version: `{ body, etag }`.
   * @param {string} service @param {string[]} segments
   */
  read: (service, segments) => callVersioned('GET', servicePath(service, ...segments)),
  /**
   * {@link apim.update} while the entity is still version `etag` (else a 412: someone changed it since).
   * @param {string} service @param {string[]} segments @param {Record<string, unknown>} properties
   * @param {string | undefined} etag
   */
  updateVersion: (service, segments, properties, etag) =>
    unlessChangedMeanwhile(
      () =>
        call('PATCH', servicePath(service, ...segments), {
          body: { properties },
          headers: etag === undefined ? {} : { 'if-match': etag },
        }),
      'Someone changed it since this form opened it (with the CLI, or in another tab), so nothing was saved: that would have undone their change. Cancel, open it again to see it, then make your change.',
    ),
  /** @param {string} service @param {string[]} segments */
  remove: (service, segments) => call('DELETE', servicePath(service, ...segments)),
  /** @param {string} service @param {string} apiId */
  listOperations: (service, apiId) => list(servicePath(service, 'apis', apiId, 'operations')),
  /** Deletes a product with its subscriptions. @param {string} service @param {string} productId */
  deleteProduct: (service, productId) =>
    call('DELETE', `${servicePath(service, 'products', productId)}?deleteSubscriptions=true`),
  /** @param {string} service @param {string} productId */
  listProductApis: (service, productId) => list(servicePath(service, 'products', productId, 'apis')),
  /** @param {string} service @param {string} productId @param {string} apiId */
  addProductApi: (service, productId, apiId) =>
    call('PUT', servicePath(service, 'products', productId, 'apis', apiId)),
  /** @param {string} service @param {string} productId @param {string} apiId */
  removeProductApi: (service, productId, apiId) =>
    call('DELETE', servicePath(service, 'products', productId, 'apis', apiId)),
  /** @param {string} service @param {string} subscriptionId @param {string} state */
  setSubscriptionState: (service, subscriptionId, state) =>
    call('PATCH', servicePath(service, 'subscriptions', subscriptionId), { body: { properties: { state } } }),
  /**
   * @param {string} service @param {string} subscriptionId
   * @returns {Promise<{ primaryKey: string, secondaryKey: string }>}
   */
  listSecrets: (service, subscriptionId) =>
    call('POST', `${servicePath(service, 'subscriptions', subscriptionId)}/listSecrets`),
  /** @param {string} service @param {string} subscriptionId @param {'primary' | 'secondary'} which */
  regenerateKey: (service, subscriptionId, which) =>
    call(
      'POST',
      `${servicePath(service, 'subscriptions', subscriptionId)}/regenerate${which === 'primary' ? 'Primary' : 'Secondary'}Key`,
    ),
  /** @param {string} service @param {string} id @returns {Promise<string>} */
  namedValue: async (service, id) =>
    String((await call('POST', `${servicePath(service, 'namedValues', id)}/listValue`)).value ?? ''),
  /**
   * The policy document of a scope with its version, or undefined when the scope has none.
   * @param {string} service @param {PolicyScope} scope
   * @returns {Promise<{ document: string, etag: string | undefined } | undefined>}
   */
  // The scope's list of policies (none or one): a scope without a policy is the usual case, and answers
  // 200 with an empty list rather than a 404 the browser would log as an error; a scope that does not
  // exist still fails, saying so.
  // With a policy, its version is read too, so that a save or delete cannot undo another editor's change.
  getPolicy: async (service, scope) => {
    const [policy] = await list(policyPath(service, scope).slice(0, -'/policy'.length));
    if (policy === undefined) {
      return undefined;
    }
    // The raw form (expressions as written), which the save sends back as rawxml.
    const { body, etag } = await callVersioned('GET', `${policyPath(service, scope)}?format=rawxml`);
    return { document: String(body.properties?.value ?? ''), etag };
  },
  /**
   * Saves a scope's policy while it is the version read (`etag`; undefined: while it has none).
   * @param {string} service @param {PolicyScope} scope @param {string} value @param {string | undefined} etag
   * @returns {Promise<string | undefined>} the version saved
   */
  setPolicy: (service, scope, value, etag) =>
    unlessChangedMeanwhile(
      async () =>
        (
          await callVersioned('PUT', policyPath(service, scope), {
            body: { properties: { format: 'rawxml', value } },
            headers: etag === undefined ? { 'if-none-match': '*' } : { 'if-match': etag },
          })
        ).etag,
      POLICY_CHANGED_MEANWHILE,
    ),
  /** @param {string} service @param {PolicyScope} scope @param {string | undefined} etag */
  deletePolicy: (service, scope, etag) =>
    unlessChangedMeanwhile(
      () =>
        call('DELETE', policyPath(service, scope), {
          headers: etag === undefined ? {} : { 'if-match': etag },
        }),
      POLICY_CHANGED_MEANWHILE,
    ),
};

const POLICY_CHANGED_MEANWHILE =
  'Someone changed this policy since this page loaded it (with the CLI, or in another tab), so nothing was saved or deleted: that would have undone their change. Reload the page to see it, then make your change again.';

/**
 * A write that goes ahead only while the entity is the version read: its refusal because someone changed
 * it meanwhile (412, or the 409 of a create that found one made first) is told as `message`, with the same
 * status and code; other errors pass as they are.
 * @template T
 * @param {() => Promise<T>} write
 * @param {string} message
 * @returns {Promise<T>}
 */
async function unlessChangedMeanwhile(write, message) {
  try {
    return await write();
  } catch (error) {
    if (
      error instanceof ApiError &&
      (error.code === 'CONTROL_PRECONDITION_FAILED' || error.code === 'CONTROL_ENTITY_EXISTS')
    ) {
      throw new ApiError(error.status, error.code, message);
    }
    throw error;
  }
}

/**
 * Calls of the backend apps (function apps, web apps, container apps); an unknown type throws before
 * anything is sent (`backendResourceId`).
 */
export const apps = {
  /** @param {string} type @returns {Promise<any[]>} the apps of that type */
  list: (type) => api.listBackends(type),
  /**
   * Creates an app, refusing one that exists (`If-None-Match: *`), as `portico webapp create` does without
   * `--replace`: Create never replaces an app, which a site may be linked to. A function app's content is
   * uploaded afterwards (`function-upload.js`).
   * @param {string} type @param {string} name @param {Record<string, unknown>} properties
   * @param {string} label how the portal names the kind, e.g. `Web App`
   */
  create: async (type, name, properties, label) => {
    try {
      return await call('PUT', backendResourceId(type, name), {
        body: {
          location: 'portico',
          ...(type === 'containerapp' ? {} : { kind: type === 'functionapp' ? 'functionapp' : 'app' }),
          properties,
        },
        headers: { 'if-none-match': '*' },
      });
    } catch (error) {
      // The API's message speaks of If-None-Match; the portal's user picked a name in a form.
      if (error instanceof ApiError && error.code === 'CONTROL_ENTITY_EXISTS') {
        throw new ApiError(
          error.status,
          error.code,
          `The ${label} ${name} exists already and was left as it was; pick another name.`,
        );
      }
      throw error;
    }
  },
  /** @param {string} type @param {string} name */
  remove: (type, name) => call('DELETE', backendResourceId(type, name)),
};

/**
 * Which site environments link to which backend ({@link linkKey} → site, environment, link status), read
 * from every site's links: the API keeps links on the site's side, as Azure does.
 * @returns {Promise<Map<string, { site: string, environment: string, status: string }[]>>}
 */
export async function resolveLinkedSites() {
  /** @type {Map<string, { site: string, environment: string, status: string }[]>} */
  const links = new Map();
  const sites = (await api.listSites()).value ?? [];
  await Promise.all(
    sites.map(async (/** @type {any} */ site) => {
      const builds = await api.listBuilds(String(site.name));
      await Promise.all(
        builds.map(async (/** @type {any} */ build) => {
          for (const link of await api.listLinkedBackends(String(site.name), String(build.name))) {
            const key = linkKey(String(link.properties?.backendType), String(link.properties?.resourceName));
            const entry = {
              site: String(site.name),
              environment: String(build.name) === 'default' ? 'Production' : String(build.name),
              status: String(link.properties?.status ?? ''),
            };
            links.set(key, [...(links.get(key) ?? []), entry]);
          }
        }),
      );
    }),
  );
  return links;
}

/**
 * The key of a backend in {@link resolveLinkedSites}: its link type and name.
 * @param {string} type `apim`, `functionapp`, `webapp` or `containerapp`
 * @param {string} name
 */
export function linkKey(type, name) {
  return `${type}/${name}`;
}
