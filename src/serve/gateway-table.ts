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

/** Creates the table; call `loadAll()` before serving. */
export function createGatewayTable(control: ControlContext): GatewayTable {
  const byHost = new Map<string, CompiledService>();
  const hostOfService = new Map<string, string>();
  const reload = async (serviceId: string) => {
    const snapshot = await loadApimSnapshot(control, serviceId);
    const previous = hostOfService.get(serviceId);
    if (previous !== undefined) {
      byHost.delete(previous);
      hostOfService.delete(serviceId);
    }
    if (snapshot !== undefined) {
      byHost.set(snapshot.service.gatewayHostname, compileService(toGatewayConfig(snapshot)));
      hostOfService.set(serviceId, snapshot.service.gatewayHostname);
    }
  };
  const loadAll = async () => {
    const services = await listApimServices(control);
    const ids = new Set(services.map((service) => service.id));
    for (const id of hostOfService.keys()) {
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
