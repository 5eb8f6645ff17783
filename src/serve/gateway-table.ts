/**
 * The gateways this node serves: one compiled snapshot per API Management service, by gateway host,
 * rebuilt when the change log says `apim:<service id>` (spec/apim.md §5.2–5.3: the data plane serves from
 * memory; a change is live on the node that made it at once and on the others within a poll interval).
 */
import {
  APIM_CHANGE_PREFIX,
  type ApimSnapshot,
  type ControlContext,
  listApimServices,
  loadApimSnapshot,
} from '../control-plane/index.js';
import {
  type CompiledService,
  compileService,
  type GatewayServiceConfig,
  type GatewaySubscription,
  type SubscriptionScope,
} from '../gateway/index.js';

/** Gateway snapshots by host. */
export interface GatewayTable {
  resolve(hostname: string): CompiledService | undefined;
  loadAll(): Promise<void>;
  apply(names: readonly string[]): Promise<void>;
  /**
   * Tells `listener` of each service no longer served (deleted), and of each API and product a served
   * service no longer has, by name, so that what is kept per service (metrics series) goes too; on every
   * node, since each follows the change log. Returns the function that stops it.
   */
  onGone(listener: GatewayGoneListener): () => void;
}

/** A service gone (`service` alone), or an API or a product its service no longer has; ids as labelled. */
export type GatewayGoneListener = (gone: {
  readonly service: string;
  readonly api?: string;
  readonly product?: string;
}) => void;

/** What the table last served of a service: its name, APIs and products. */
interface Served {
  readonly hostname: string;
  readonly name: string;
  readonly apis: ReadonlySet<string>;
  readonly products: ReadonlySet<string>;
}

/** Tells `listener` what `previous` served that `next` (none: the service is gone) does not. */
function reportGone(previous: Served, next: Served | undefined, listener: GatewayGoneListener): void {
  const service = previous.name;
  if (next === undefined || next.name !== service) {
    listener({ service });
    return;
  }
  for (const api of previous.apis) {
    if (!next.apis.has(api)) {
      listener({ service, api });
    }
  }
  for (const product of previous.products) {
    if (!next.products.has(product)) {
      listener({ service, product });
    }
  }
}

function scopeOf(scope: string): SubscriptionScope {
  const [, kind, id] = scope.split('/');
  if (id === undefined) {
    return { kind: 'all' };
  }
  return kind === 'products' ? { kind: 'product', productId: id } : { kind: 'api', apiId: id };
}

/** Turns the stored configuration into the gateway's plain data. */
export function toGatewayConfig(snapshot: ApimSnapshot): GatewayServiceConfig {
  return {
    id: snapshot.service.id,
    name: snapshot.service.name,
    hostname: snapshot.service.gatewayHostname,
    apis: snapshot.apis.map(({ id, properties, operations }) => ({
      id,
      path: properties.path,
      serviceUrl: properties.serviceUrl,
      protocols: properties.protocols,
      subscriptionRequired: properties.subscriptionRequired,
      keyHeader: properties.subscriptionKeyParameterNames.header.toLowerCase(),
      keyQuery: properties.subscriptionKeyParameterNames.query,
      operations: operations.map((op) => ({
        id: op.id,
        method: op.properties.method,
        urlTemplate: op.properties.urlTemplate,
      })),
    })),
    products: snapshot.products.map(({ id, properties, apiIds }) => ({
      id,
      subscriptionRequired: properties.subscriptionRequired,
      apiIds: new Set(apiIds),
    })),
    subscriptions: snapshot.subscriptions.map(
      ({ id, properties, keys, createdAt }): GatewaySubscription => ({
        id,
        scope: scopeOf(properties.scope),
        state: properties.state,
        primaryKey: keys.primaryKey,
        secondaryKey: keys.secondaryKey,
        createdAt,
      }),
    ),
    namedValues: snapshot.namedValues,
    policies: snapshot.policies,
  };
}

function servedOf(snapshot: ApimSnapshot): Served {
  return {
    hostname: snapshot.service.gatewayHostname,
    name: snapshot.service.name,
    apis: new Set(snapshot.apis.map((api) => api.id)),
    products: new Set(snapshot.products.map((product) => product.id)),
  };
}

/**
 * Logs the legacy clashes of a service (decision 0127) that were not logged for it yet: each set once, at
 * start and when a change makes a new one, not again on every reload. `logged` holds what was.
 */
function warnLegacyClashes(
  control: ControlContext,
  logged: Map<string, ReadonlySet<string>>,
  serviceId: string,
  service: CompiledService | undefined,
): void {
  const previous = logged.get(serviceId);
  const current = new Set(service?.legacyClashes ?? []);
  for (const warning of current) {
    if (previous?.has(warning) !== true) {
      control.logger.warn(warning);
    }
  }
  if (current.size === 0) {
    logged.delete(serviceId);
  } else {
    logged.set(serviceId, current);
  }
}

/** Creates the table; call `loadAll()` before serving. */
export function createGatewayTable(control: ControlContext): GatewayTable {
  const byHost = new Map<string, CompiledService>();
  const served = new Map<string, Served>();
  const warned = new Map<string, ReadonlySet<string>>();
  const goneListeners = new Set<GatewayGoneListener>();
  const reload = async (serviceId: string) => {
    const snapshot = await loadApimSnapshot(control, serviceId);
    const previous = served.get(serviceId);
    if (previous !== undefined) {
      byHost.delete(previous.hostname);
      served.delete(serviceId);
    }
    let next: Served | undefined;
    let compiled: CompiledService | undefined;
    if (snapshot !== undefined) {
      next = servedOf(snapshot);
      compiled = compileService(toGatewayConfig(snapshot));
      byHost.set(next.hostname, compiled);
      served.set(serviceId, next);
    }
    warnLegacyClashes(control, warned, serviceId, compiled);
    if (previous !== undefined) {
      for (const listener of goneListeners) {
        reportGone(previous, next, listener);
      }
    }
  };
  const loadAll = async () => {
    const services = await listApimServices(control);
    const ids = new Set(services.map((service) => service.id));
    for (const id of served.keys()) {
      if (!ids.has(id)) {
        await reload(id);
      }
    }
    for (const service of services) {
      await reload(service.id);
    }
  };
  return {
    resolve: (hostname) => byHost.get(hostname),
    loadAll,
    onGone(listener) {
      goneListeners.add(listener);
      return () => goneListeners.delete(listener);
    },
    async apply(names) {
      if (names.includes('*')) {
        return loadAll();
      }
      const ids = new Set(
        names
          .filter((name) => name.startsWith(APIM_CHANGE_PREFIX))
          .map((name) => name.slice(APIM_CHANGE_PREFIX.length)),
      );
      for (const id of ids) {
        await reload(id);
      }
    },
  };
}
