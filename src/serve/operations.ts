/**
 * The operations side of a `portico serve` node, composed from `src/ops/`: metrics and the access log
 * around the data-plane listener, `/healthz`, `/readyz` and `/metrics` in front of the admin listener.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { type ClientPrincipal, createRequestId, type PrincipalListener } from '../edge/index.js';
import {
  type AccessLog,
  createMetrics,
  createOpsRoutes,
  createTrafficRecorder,
  type DegradingCheck,
  instrumentListener,
  type Metrics,
  openAccessLog,
  type ReadinessCheck,
  type RequestClassifier,
  type RequestLabels,
  type TrafficRecorder,
  type TrafficSink,
} from '../ops/index.js';
import type { AdminTokenGuard } from '../shared/admin-token.js';
import { errorMessage } from '../shared/guards.js';
import { hostnameOf } from '../shared/hostname.js';
import { sql } from '../shared/kysely.js';
import type { Logger } from '../shared/logger.js';
import type { ChangeBus, StorageDatabase } from '../storage/index.js';
import type { GatewayRuntime } from './gateway-runtime.js';
import type { SiteHosts, SiteTable } from './site-table.js';

type Listener = (req: IncomingMessage, res: ServerResponse) => void;

/** What the operations of a node need from the rest of it. */
export interface NodeOperationsDeps {
  /** `--metrics` off only for measurements; on by default. */
  readonly metrics: boolean;
  readonly metricsPublic: boolean;
  /** Where the traffic history goes (decision 0032); none turns it off (`--no-traffic`, to measure it). */
  readonly traffic?: TrafficSink;
  /** `--access-log <file|->`. */
  readonly accessLog?: string;
  /** The admin port's token check, shared with the management API. */
  readonly adminGuard: AdminTokenGuard;
  /** Key of the access log's user hash. */
  readonly userKey: Buffer;
  /** Where failing traffic and access-log writes are reported. */
  readonly logger: Logger;
  readonly storage: StorageDatabase;
  readonly table: SiteTable;
  /**
   * The edge's sites by Host, custom domains included: whose session cookie a request carries, and which
   * site environment it is counted for.
   */
  readonly sites: SiteHosts;
  readonly gateway: GatewayRuntime;
  readonly identityHostname: string;
  /** The Redis change bus, once connected (none without `--redis-url`). */
  readonly bus: () => ChangeBus | undefined;
  readonly redisConfigured: boolean;
  /** The node's listeners, by name. */
  readonly listeners: () => Readonly<Record<string, Server>>;
  /** True once SIGTERM started a drain. */
  readonly draining: () => boolean;
}

/** The operations of a node. */
export interface NodeOperations {
  /** The data-plane listener with request ids, metrics and the access log. */
  instrument(listener: Listener): Listener;
  /**
   * For the edge, with the access log on: keeps the principal a request was served as, so that its line
   * names the user without reading the session cookie again.
   */
  readonly onPrincipal?: PrincipalListener;
  /** The admin listener with `/healthz`, `/readyz` and `/metrics` in front. */
  admin(listener: Listener): Listener;
  /** Writes what the traffic recorder counted so far (before a read of the history). */
  flushTraffic(): Promise<void>;
  /** SIGHUP: reopens the access log file. */
  reopenLogs(): void;
  close(): Promise<void>;
}

/** Creates the metrics and opens the access log (rejects when the file cannot be written). */
export async function createNodeOperations(deps: NodeOperationsDeps): Promise<NodeOperations> {
  const metrics: Metrics | undefined = deps.metrics
    ? createMetrics({ unservableEnvironments: () => deps.table.unservableCount() })
    : undefined;
  // A deleted site's or environment's series go with it (each worker's registry with `--workers`).
  const stopForgettingSites = deps.table.onEnvironmentGone((site, environment) =>
    metrics?.forgetEnvironment(site, environment),
  );
  // So do a deleted API Management service's, and a deleted API's or product's (on every node).
  const stopForgettingGateways = deps.gateway.table.onGone((gone) => metrics?.forgetGateway(gone));
  const stopForgetting = () => {
    stopForgettingSites();
    stopForgettingGateways();
  };
  let accessLog: AccessLog | undefined;
  try {
    accessLog =
      deps.accessLog === undefined
        ? undefined
        : await openAccessLog({
            target: deps.accessLog,
            userKey: deps.userKey,
            onError: (message) => deps.logger.warn(message),
          });
  } catch (error) {
    stopForgetting();
    metrics?.close();
    throw error;
  }
  const traffic = deps.traffic === undefined ? undefined : startTraffic(deps.traffic, deps.logger);
  const routes = createOpsRoutes({
    adminGuard: deps.adminGuard,
    metricsPublic: deps.metricsPublic,
    metrics,
    checks: readinessChecks(deps),
  });
  const principals =
    accessLog === undefined ? undefined : new WeakMap<IncomingMessage, ClientPrincipal | null>();
  const classifier = createClassifier(deps, principals);
  return {
    instrument: (listener) =>
      instrumentListener(listener, { metrics, accessLog, traffic, classifier, requestId: createRequestId }),
    onPrincipal: principals === undefined ? undefined : rememberPrincipal(principals),
    admin: (listener) => (req, res) => {
      if (!routes(req, res)) {
        listener(req, res);
      }
    },
    flushTraffic: async () => traffic?.flush(),
    reopenLogs: () => accessLog?.reopen(),
    async close() {
      await traffic?.close();
      stopForgetting();
      metrics?.close();
      await accessLog?.close();
    },
  };
}

/** The recorder; a failed write is logged once until writes work again (the rows wait for the next). */
function startTraffic(sink: TrafficSink, logger: Logger): TrafficRecorder {
  let failing = false;
  return createTrafficRecorder({
    sink: async (batch) => {
      await sink(batch);
      failing = false;
    },
    onError: (error) => {
      if (!failing) {
        failing = true;
        logger.warn(
          `writing the traffic history failed (${errorMessage(error)}); the counts are kept and written again next minute.`,
        );
      }
    },
  });
}

function readinessChecks(deps: NodeOperationsDeps): Record<string, ReadinessCheck | DegradingCheck> {
  return {
    // Without the database a node still serves the sites it has loaded (management calls answer 503):
    // every node loses it at once, so a load balancer taking each out would turn it into a total outage.
    database: {
      degrades: true,
      check: async () => {
        try {
          await sql`select 1`.execute(deps.storage.db);
        } catch (error) {
          throw new Error(
            `the database cannot be reached (${errorMessage(error)}); this node serves the sites it has loaded, and management calls and deploys fail until it is back`,
          );
        }
      },
    },
    ...(deps.redisConfigured
      ? {
          // Without Redis a node still serves: it polls the database for changes, and rate limits admit
          // calls uncounted. A load balancer must not take every node out for it.
          redis: {
            degrades: true,
            check: async () => {
              const bus = deps.bus();
              try {
                if (bus === undefined) {
                  throw new Error('not connected');
                }
                await bus.ping();
              } catch (error) {
                throw new Error(
                  `Redis cannot be reached (${errorMessage(error)}); this node polls the database for changes and admits rate-limited calls uncounted until it is back`,
                );
              }
            },
          },
        }
      : {}),
    listeners: () => {
      if (deps.draining()) {
        throw new Error('draining: the node stops after the requests in flight');
      }
      const closed = Object.entries(deps.listeners()).filter(([, server]) => !server.listening);
      if (closed.length > 0) {
        throw new Error(`not listening: ${closed.map(([name]) => name).join(', ')}`);
      }
    },
  };
}

/** Keeps what the edge read for requests with a cookie (without one, nobody is signed in). */
function rememberPrincipal(principals: WeakMap<IncomingMessage, ClientPrincipal | null>): PrincipalListener {
  return (req, principal) => {
    if (req.headers.cookie !== undefined) {
      principals.set(req, principal);
    }
  };
}

/**
 * Site, environment and kind of a request, from its host and path; never the path itself as a label.
 * The user is the one the edge served the request as; the cookie is read only for a request the edge
 * answered before it looked (a 404 of an unknown host, a denied address, a redirect to HTTPS).
 */
function createClassifier(
  deps: NodeOperationsDeps,
  principals: WeakMap<IncomingMessage, ClientPrincipal | null> | undefined,
): RequestClassifier {
  // Requests in a row mostly carry the same Host: its hostname is kept instead of parsed again.
  let lastHost: string | undefined;
  let lastHostname = '';
  return {
    classify(req): RequestLabels {
      const host = req.headers.host;
      if (host !== lastHost) {
        lastHost = host;
        lastHostname = hostnameOf(host);
      }
      const hostname = lastHostname;
      const service = deps.gateway.table.resolve(hostname);
      if (service !== undefined) {
        return { site: service.name, environment: '', kind: 'gateway' };
      }
      if (hostname === deps.identityHostname) {
        return { site: '', environment: '', kind: 'auth' };
      }
      const names = deps.sites.describeHost(hostname);
      return { site: names?.site ?? '', environment: names?.environment ?? '', kind: kindOfPath(req.url) };
    },
    userId(req) {
      const cookie = req.headers.cookie;
      if (cookie === undefined) {
        return undefined;
      }
      const served = principals?.get(req);
      if (served !== undefined) {
        return served?.userId;
      }
      return deps.sites.resolveSite(req.headers.host)?.sessions.read(cookie)?.userId;
    },
  };
}

function kindOfPath(url: string | undefined): RequestLabels['kind'] {
  const path = (url ?? '/').slice(0, 6).toLowerCase();
  if (path === '/api' || path.startsWith('/api/') || path.startsWith('/api?')) {
    return 'api';
  }
  return path.startsWith('/.auth') ? 'auth' : 'static';
}
