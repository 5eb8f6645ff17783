/**
 * Composition root of `portico serve`: opens storage, builds the control plane, loads the host table and
 * starts the two listeners: `--port` (every site environment by Host, through the edge pipeline of
 * `portico start` unchanged) and `--admin-port` (the management API and the portal).
 */
import { join, resolve } from 'node:path';
import {
  type ControlContext,
  createManagementHandler,
  createSealer,
  failAbandonedUploads,
  pruneLocalDeployments,
  sweepUnusedContents,
} from '../control-plane/index.js';
import {
  closeServer,
  createEdgeHandler,
  createEdgeServer,
  createSignInFlows,
  listen,
  type PreconfiguredProviders,
  sealValue,
} from '../edge/index.js';
import { validateAppSettings } from '../functions-host/index.js';
import { createPortalHandler } from '../portal/index.js';
import type { Logger } from '../shared/logger.js';
import { makePrivateDir, tightenFolder } from '../shared/private-fs.js';
import {
  type BlobStore,
  type ChangeBus,
  connectChangeBus,
  createDatabaseBlobStore,
  createDiskBlobStore,
  type StorageDatabase,
} from '../storage/index.js';
import { createPrimaryChangeBus, createPrimaryCounterStore, inClusterWorker } from './cluster-ipc.js';
import { createDrainGate, drainServer } from './drain.js';
import { createFrontHandler } from './front.js';
import { createFunctionAppTable } from './function-apps.js';
import { combineResources, createGatewayRuntime } from './gateway-runtime.js';
import { createRoleCache, siteSessionKey } from './identity.js';
import { createIdentityHost, IDENTITY_HOST_LABEL } from './identity-host.js';
import { SERVICE_KEY_FILE } from './key-file.js';
import { createNodeOperations } from './operations.js';
import { ADMIN_TOKEN_FILE, resolveAdminToken } from './secrets.js';
import { type KeySource, openKeyedStorage, resolveKeySource } from './service-key.js';
import { createSiteTable, type SiteTable } from './site-table.js';
import { createTokenService } from './tokens.js';

const DATABASE_FILE = 'portico.db';
/** What Portico keeps directly in the data folder (made private at start, as older versions left them readable). */
const DATA_ENTRIES = [
  DATABASE_FILE,
  `${DATABASE_FILE}-wal`,
  `${DATABASE_FILE}-shm`,
  'blobs',
  'cache',
  ADMIN_TOKEN_FILE,
  SERVICE_KEY_FILE,
];

/** Options of `portico serve`, already validated by the CLI. */
export interface ServeOptions {
  readonly dataDir: string;
  readonly databaseUrl?: string;
  /** Redis shared by the nodes: changes reach the other nodes at once instead of at their next poll. */
  readonly redisUrl?: string;
  readonly port: number;
  readonly adminPort: number;
  readonly host: string;
  readonly domain: string;
  /** PORTICO_ADMIN_TOKEN, when set. */
  readonly adminToken?: string;
  /** PORTICO_SECRET_KEY, when set (the same on every node). */
  readonly secretKey?: string;
  /** `--secret-key-file` or PORTICO_SECRET_KEY_FILE: the key file (default `<data>/service-key`). */
  readonly secretKeyFile?: string;
  readonly apiTimeoutSeconds: number;
  /** Minutes without `/api` requests after which an environment's functions stop. */
  readonly apiIdleMinutes: number;
  /** How often the change log is read, in ms. */
  readonly pollIntervalMs?: number;
  readonly version: string;
  readonly verbose: boolean;
  readonly logger: Logger;
  /** Credentials of the preconfigured `github` and `aad` providers (PORTICO_GITHUB_*, PORTICO_AAD_*). */
  readonly providers?: PreconfiguredProviders;
  /** Prometheus metrics on the admin port's `/metrics` (default on; off only to measure their cost). */
  readonly metrics?: boolean;
  /** `--metrics-public`: `/metrics` answers without the admin token. */
  readonly metricsPublic?: boolean;
  /** `--access-log <file|->`: one JSON line per data-plane request. */
  readonly accessLog?: string;
}

/** A running service. */
export interface Service {
  /** `http://host:port` of the data plane and of the admin listener. */
  readonly url: string;
  readonly adminUrl: string;
  readonly port: number;
  readonly adminPort: number;
  /** Where the generated admin token is, when it was not configured. */
  readonly adminTokenFile?: string;
  /** Where the service key comes from: PORTICO_SECRET_KEY, or the key file at `file`. */
  readonly serviceKey:
    | { readonly source: 'environment' }
    | { readonly source: 'file'; readonly file: string };
  /** Start-up warnings for the operator (the key file beside the database). */
  readonly warnings: readonly string[];
  readonly control: ControlContext;
  /** The public URL of a host on the data-plane listener. */
  publicUrl(hostname: string): string;
  /** Reopens the access log file (SIGHUP, after log rotation). */
  reopenLogs(): void;
  /**
   * SIGTERM: stops accepting, lets requests in flight finish (cut after `timeoutMs`), then closes like
   * {@link Service.close}. Resolves true when nothing had to be cut.
   */
  drain(timeoutMs: number): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * Starts `portico serve`. The data folder and what is in it are made private first; the service key is
 * checked against the database before anything is written to it (a wrong key is refused at once).
 */
export async function startService(options: ServeOptions): Promise<Service> {
  const dataDir = resolve(options.dataDir);
  const keySource = resolveKeySource({ ...options, dataDir });
  await makePrivateDir(dataDir);
  await tightenFolder(dataDir, DATA_ENTRIES);
  const { storage, key, warnings } = await openKeyedStorage(
    options.databaseUrl === undefined
      ? { dialect: 'sqlite', file: join(dataDir, DATABASE_FILE) }
      : { dialect: 'postgres', url: options.databaseUrl },
    keySource,
  );
  try {
    return await startOnStorage(options, dataDir, storage, { key, source: keySource, warnings });
  } catch (error) {
    await storage.close();
    throw error;
  }
}

interface ResolvedKey {
  readonly key: Buffer;
  readonly source: KeySource;
  readonly warnings: readonly string[];
}

async function startOnStorage(
  options: ServeOptions,
  dataDir: string,
  storage: StorageDatabase,
  serviceKey: ResolvedKey,
): Promise<Service> {
  const admin = await resolveAdminToken(dataDir, options.adminToken);
  const blobs: BlobStore =
    storage.dialect === 'sqlite'
      ? createDiskBlobStore(join(dataDir, 'blobs'))
      : createDatabaseBlobStore(storage.db);
  let publicPort = options.port;
  const publicUrl = (hostname: string) => `http://${hostname}${publicPort === 80 ? '' : `:${publicPort}`}`;
  const control: ControlContext = {
    db: storage.db,
    blobs,
    sealer: createSealer(serviceKey.key),
    domain: options.domain,
    workDir: join(dataDir, 'cache'),
    logger: options.logger,
    now: () => new Date(),
    publicUrl,
    validateSettings: validateAppSettings,
    sealSession: (siteId, principal, expiresAt) =>
      sealValue(siteSessionKey(control, siteId), principal, expiresAt),
  };
  await failAbandonedUploads(control, 60 * 60_000);
  let bus: ChangeBus | undefined;
  const tokens = createTokenService(control);
  const apiTimeoutMs = options.apiTimeoutSeconds * 1000;
  const gateway = await createGatewayRuntime({
    control,
    tokens,
    redisUrl: options.redisUrl,
    logger: options.logger,
    ...(inClusterWorker() ? { sharedCounters: createPrimaryCounterStore() } : {}),
  });
  const functionApps = createFunctionAppTable({
    control,
    tokens,
    timeoutMs: apiTimeoutMs,
    idleMs: options.apiIdleMinutes * 60_000,
  });
  const loopbackHost = options.host === '0.0.0.0' || options.host === '::' ? '127.0.0.1' : options.host;
  const signInFlows = createSignInFlows({ key: control.sealer.deriveKey('sign-in-flow') });
  const identityHostname = `${IDENTITY_HOST_LABEL}.${options.domain}`;
  const table = createSiteTable({
    control,
    roles: createRoleCache(control),
    apiTimeoutMs,
    apiIdleMs: options.apiIdleMinutes * 60_000,
    announce: async () => bus?.announce(),
    linked: {
      tokens,
      loopbackOrigin: () =>
        `http://${loopbackHost.includes(':') ? `[${loopbackHost}]` : loopbackHost}:${publicPort}`,
      publicUrl,
      timeoutMs: apiTimeoutMs,
      logger: options.logger,
    },
    resources: combineResources(gateway, functionApps, tokens),
    signIn: {
      flows: signInFlows,
      preconfigured: options.providers ?? {},
      identityOrigin: () => publicUrl(identityHostname),
    },
  });
  await table.loadAll();
  if (options.redisUrl === undefined && inClusterWorker()) {
    bus = createPrimaryChangeBus(() => void table.sync().catch(() => undefined));
  }
  if (options.redisUrl !== undefined) {
    const onNews = () => void table.sync().catch(() => undefined);
    bus = await connectChangeBus(options.redisUrl, onNews, options.logger).catch(async (error: unknown) => {
      await table.close();
      throw error;
    });
  }
  await pruneLocalDeployments(control, table.activeDeploymentIds());
  const edgeHandler = createEdgeHandler({
    provider: table,
    serverHost: `${options.host}:${options.port}`,
    logger: options.logger,
    verbose: options.verbose,
  });
  const identity = createIdentityHost({
    hostname: identityHostname,
    flows: signInFlows,
    isSiteOrigin: (origin) => {
      const url = URL.canParse(origin) ? new URL(origin) : undefined;
      return /^https?:$/.test(url?.protocol ?? '') && table.resolveSite(url?.host) !== undefined;
    },
  });
  const gate = createDrainGate();
  const operations = await createNodeOperations({
    metrics: options.metrics ?? true,
    metricsPublic: options.metricsPublic ?? false,
    accessLog: options.accessLog,
    adminToken: admin.token,
    userKey: control.sealer.deriveKey('access-log-user'),
    storage,
    table,
    gateway,
    identityHostname,
    bus: () => bus,
    redisConfigured: options.redisUrl !== undefined,
    listeners: () => ({ sites: edge, admin: adminServer }),
    draining: () => gate.draining,
  }).catch(async (error: unknown) => {
    await Promise.all([table.close(), bus?.close()]);
    throw error;
  });
  const edge = createEdgeServer(
    gate.wrap(
      operations.instrument(createFrontHandler({ gateway, functionApps, identity, edge: edgeHandler })),
    ),
  );
  const adminServer = createEdgeServer(
    operations.admin(
      createManagementHandler({
        control,
        adminToken: admin.token,
        logger: options.logger,
        version: options.version,
        afterChange: async () => {
          await table.sync();
          await bus?.announce();
        },
        fallback: createPortalHandler({ logger: options.logger }),
      }),
    ),
  );
  try {
    publicPort = await listen(edge, options.port, options.host);
    const adminPort = await listen(adminServer, options.adminPort, options.host);
    const poller = followChanges(table, options);
    const sweeper = sweepContentsHourly(control, options.logger);
    const origin = (port: number) =>
      `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}`;
    let closing: Promise<void> | undefined;
    const close = () => {
      closing ??= closeAll();
      return closing;
    };
    const closeAll = async () => {
      clearInterval(poller);
      clearInterval(sweeper);
      await Promise.all([closeServer(edge), closeServer(adminServer)]);
      await table.close();
      await bus?.close();
      await operations.close();
      await storage.close();
    };
    return {
      url: origin(publicPort),
      adminUrl: origin(adminPort),
      port: publicPort,
      adminPort,
      adminTokenFile: admin.file,
      serviceKey:
        serviceKey.source.kind === 'file'
          ? { source: 'file', file: serviceKey.source.file }
          : { source: 'environment' },
      warnings: serviceKey.warnings,
      control,
      publicUrl,
      reopenLogs: () => operations.reopenLogs(),
      async drain(timeoutMs) {
        gate.start();
        const deadline = Date.now() + timeoutMs;
        // The data plane first; the admin port answers /readyz (503, draining) until it is done.
        const sites = await drainServer(edge, deadline);
        const admin = await drainServer(adminServer, deadline);
        await close();
        return sites && admin;
      },
      close,
    };
  } catch (error) {
    await Promise.all([closeServer(edge), closeServer(adminServer), table.close(), bus?.close()]);
    await operations.close();
    throw error;
  }
}

/** Removes unused deployment contents now and every hour; a failure is logged and retried next time. */
function sweepContentsHourly(control: ControlContext, logger: Logger): NodeJS.Timeout {
  const sweep = () =>
    void sweepUnusedContents(control).then(
      (removed) => {
        if (removed > 0) {
          logger.info(`removed ${removed} stored contents no deployment uses any more`);
        }
      },
      (error: unknown) =>
        logger.warn(
          `sweeping unused contents failed: ${error instanceof Error ? error.message : String(error)}`,
        ),
    );
  sweep();
  const timer = setInterval(sweep, 60 * 60_000);
  timer.unref();
  return timer;
}

/** Polls the change log; a failed poll (database briefly away) is logged and retried. */
function followChanges(table: SiteTable, options: ServeOptions): NodeJS.Timeout {
  let failing = false;
  const timer = setInterval(() => {
    table.sync().then(
      () => {
        failing = false;
      },
      (error: unknown) => {
        if (!failing) {
          options.logger.warn(
            `cannot read the change log: ${error instanceof Error ? error.message : String(error)}`,
          );
        }
        failing = true;
      },
    );
  }, options.pollIntervalMs ?? 1000);
  timer.unref();
  return timer;
}
