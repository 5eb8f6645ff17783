/**
 * The gateway as `portico serve` runs it: the table of compiled services, the counters of rate limits
 * and quotas (in memory, or in Redis with `--redis-url` so every node counts together), the JWT
 * validator (which reads the openid documents of this service's own sites without a network round trip),
 * and the forwarder.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type ControlContext, KEYS_CHANGE_PREFIX, listServingEntries } from '../control-plane/index.js';
import { createRequestId } from '../edge/index.js';
import {
  type CompiledService,
  type CounterStore,
  createForwarder,
  createGatewayHandler,
  createGatewayPipeline,
  createJwtValidator,
  createMemoryCounterStore,
  createRedisCounterStore,
  fetchJsonDocument,
} from '../gateway/index.js';
import type { Logger } from '../shared/logger.js';
import type { ResourceTables } from './environment-runtime.js';
import type { FunctionAppTable } from './function-apps.js';
import { createGatewayTable, type GatewayTable } from './gateway-table.js';
import type { LocalGatewayCall, LocalGateways } from './linked-gateway.js';
import type { TokenService } from './tokens.js';

/** The gateway of this node. */
export interface GatewayRuntime {
  readonly table: GatewayTable;
  /** Serves a request for `hostname`, or answers false when no gateway has that host. */
  handle(hostname: string, req: IncomingMessage, res: ServerResponse): boolean;
  /** The same pipeline, for linked sites of this process (decision 0027). */
  readonly local: LocalGateways;
  close(): Promise<void>;
}

/** What the gateway runtime needs. */
export interface GatewayRuntimeOptions {
  readonly control: ControlContext;
  readonly tokens: TokenService;
  readonly redisUrl?: string;
  /** The id of this Portico service: its Redis keys are under `portico:<id>:` (another service's are not). */
  readonly serviceId: string;
  /** The counters shared by the worker processes of this node (`--workers`, without Redis). */
  readonly sharedCounters?: CounterStore;
  readonly logger: Logger;
}

const WELL_KNOWN = /^\/\.auth\/\.well-known\/(openid-configuration|jwks\.json)$/;

/** Reads openid documents: those of this service's sites locally, any other over the network. */
function createDocumentReader(
  control: ControlContext,
  tokens: TokenService,
): (url: string) => Promise<unknown> {
  return async (url) => {
    const parsed = new URL(url);
    const document = WELL_KNOWN.exec(parsed.pathname)?.[1] as
      | 'openid-configuration'
      | 'jwks.json'
      | undefined;
    if (document !== undefined && control.publicUrl(parsed.hostname) === parsed.origin) {
      const [entry] = await listServingEntries(control, [parsed.hostname]);
      if (entry !== undefined) {
        return tokens.wellKnown(entry.siteId, entry.hostname, document);
      }
    }
    return fetchJsonDocument(url);
  };
}

/** Starts the gateway runtime (connects to Redis when asked). */
export async function createGatewayRuntime(options: GatewayRuntimeOptions): Promise<GatewayRuntime> {
  const counters: CounterStore =
    options.redisUrl === undefined
      ? (options.sharedCounters ?? createMemoryCounterStore())
      : await createRedisCounterStore(options.redisUrl, {
          logger: options.logger,
          keyPrefix: `portico:${options.serviceId}:counters:`,
        });
  const forwarder = createForwarder(options.logger);
  const table = createGatewayTable(options.control);
  const pipeline = createGatewayPipeline({
    deps: {
      counters,
      jwt: createJwtValidator({
        fetchJson: createDocumentReader(options.control, options.tokens),
        logger: options.logger,
      }),
      forward: (ctx, forwardOptions) => forwarder.forward(ctx, forwardOptions),
      now: () => Date.now(),
      logger: options.logger,
    },
    logger: options.logger,
    requestId: createRequestId,
  });
  const handler = createGatewayHandler(pipeline);
  // One entry per compiled snapshot, not one per call; a reloaded service is a new snapshot.
  const entries = new WeakMap<CompiledService, LocalGatewayCall>();
  const entryOf = (service: CompiledService): LocalGatewayCall => {
    let call = entries.get(service);
    if (call === undefined) {
      call = (inbound, res) => pipeline(service, inbound, res);
      entries.set(service, call);
    }
    return call;
  };
  return {
    table,
    local: {
      resolve(hostname) {
        const service = table.resolve(hostname);
        return service === undefined ? undefined : entryOf(service);
      },
    },
    handle(hostname, req, res) {
      const service = table.resolve(hostname);
      if (service === undefined) {
        return false;
      }
      void handler(service, req, res);
      return true;
    },
    async close() {
      await Promise.all([forwarder.close(), counters.close()]);
    },
  };
}

/** The gateway, the function apps and the token keys, as the site table's resource tables. */
export function combineResources(
  gateway: GatewayRuntime,
  functionApps: FunctionAppTable,
  tokens: TokenService,
): ResourceTables {
  return {
    async loadAll() {
      await gateway.table.loadAll();
      await functionApps.loadAll();
    },
    async apply(names) {
      for (const name of names) {
        if (name.startsWith(KEYS_CHANGE_PREFIX)) {
          tokens.forget(name.slice(KEYS_CHANGE_PREFIX.length));
        }
      }
      await gateway.table.apply(names);
      await functionApps.apply(names);
    },
    async close() {
      await Promise.all([gateway.close(), functionApps.close()]);
    },
  };
}
