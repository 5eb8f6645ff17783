/**
 * Composition root of `portico serve`: opens storage, builds the control plane, loads the host table and
 * starts the two listeners: `--port` (every site environment by Host, through the edge pipeline of
 * `portico start` unchanged) and `--admin-port` (the management API and the portal).
 */
import { randomUUID } from 'node:crypto';
import { constants } from 'node:fs';
import { access, rm, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isIP } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import {
  type ApiCheck,
  type ControlContext,
  createDomainDns,
  createManagementHandler,
  createSealer,
  expireUploads,
  failInterruptedCommits,
  installStartupNotes,
  pruneLocalDeployments,
  REVALIDATE_MS,
  recordTraffic,
  resolveServiceId,
  sweepUnusedContents,
  UPLOAD_CHECK_INTERVAL_MS,
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
import {
  ByteBudget,
  type FunctionsNetwork,
  resolveSandbox,
  type Sandbox,
  type SandboxChoice,
  sweepAtStart,
  TOTAL_REQUEST_BODY_BYTES,
  validateAppSettings,
} from '../functions-host/index.js';
import { createPortalHandler } from '../portal/index.js';
import { checkAddressList } from '../shared/address-blocks.js';
import { createAdminTokenGuard } from '../shared/admin-token.js';
import { PorticoError } from '../shared/errors.js';
import { errorMessage } from '../shared/guards.js';
import { explainListenError } from '../shared/listen-error.js';
import type { Logger } from '../shared/logger.js';
import { makePrivateDir, tightenFolder } from '../shared/private-fs.js';
import type { TrafficBatch } from '../shared/traffic.js';
import {
  type BlobStore,
  type ChangeBus,
  connectChangeBus,
  createDatabaseBlobStore,
  createDiskBlobStore,
  type StorageDatabase,
} from '../storage/index.js';
import { createCertificateTable } from './certificates.js';
import { createPrimaryChangeBus, createPrimaryCounterStore, inClusterWorker } from './cluster-ipc.js';
import { chainResources, createDomainTable } from './domains.js';
import { createDrainGate, drainServer } from './drain.js';
import { createFrontHandler, createFrontUpgradeHandler } from './front.js';
import { createFunctionAppTable } from './function-apps.js';
import { combineResources, createGatewayRuntime } from './gateway-runtime.js';
import { createHttpsEdge, createPlainHttpStep, type HttpsEdge, type HttpsOptions } from './https.js';
import { createRoleCache, siteSessionKey } from './identity.js';
import { createIdentityHost, IDENTITY_HOST_LABEL } from './identity-host.js';
import { SERVICE_KEY_FILE } from './key-file.js';
import { followLinkedGateways } from './link-addresses.js';
import { createLinkProof } from './link-proof.js';
import {
  checkPostgresHistory,
  checkSqliteHistory,
  type DatabaseHistory,
  historyWarnings,
  SQLITE_FILE,
  setAsideTraces,
  tracesOfPastService,
} from './new-database.js';
import { createNodeOperations } from './operations.js';
import { providerAddressWarnings } from './provider-addresses.js';
import { ADMIN_TOKEN_FILE, resolveAdminToken } from './secrets.js';
import { type KeySource, openKeyedStorage, resolveKeySource } from './service-key.js';
import { createSignOutQueue } from './sign-outs.js';
import { createSiteTable, pruneChangeLog, type SiteTable } from './site-table.js';
import { createTokenService } from './tokens.js';
import {
  publicPortWarning,
  trustForwardedFields,
  trustForwardedOrigin,
  wideTrustWarning,
} from './trusted-proxies.js';

const DATABASE_FILE = SQLITE_FILE;
/** How long a deploy waits to tell whether its API loads. */
const API_CHECK_MS = 30_000;
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
  /** The address of the admin listener (management API, portal, operations); default {@link host}. */
  readonly adminHost?: string;
  /**
   * A first start that fails removes the data folder it made (SQLite only). Not for the workers of
   * `--workers`: another may be using the folder one of them made.
   */
  readonly removeFailedFirstData?: boolean;
  /**
   * `--new-database`: create a new database although the data folder shows the node served another one
   * (without it, such a start is refused: a lost `--database-url` must not start an empty service).
   */
  readonly newDatabase?: boolean;
  readonly domain: string;
  /** PORTICO_ADMIN_TOKEN, when set. */
  readonly adminToken?: string;
  /** PORTICO_SECRET_KEY, when set (the same on every node). */
  readonly secretKey?: string;
  /** `--secret-key-file` or PORTICO_SECRET_KEY_FILE: the key file (default `<data>/service-key`). */
  readonly secretKeyFile?: string;
  readonly apiTimeoutSeconds: number;
  /**
   * How long a client may send nothing of an unfinished `/api` request body before the call ends with 408
   * (default 20 s, decision 0118); tests shorten it.
   */
  readonly clientBodyIdleMs?: number;
  /** Minutes without `/api` requests after which an environment's functions stop. */
  readonly apiIdleMinutes: number;
  /** How often the change log is read, in ms. */
  readonly pollIntervalMs?: number;
  readonly version: string;
  readonly verbose: boolean;
  readonly logger: Logger;
  /** Credentials of the preconfigured `github` and `aad` providers (PORTICO_GITHUB_*, PORTICO_AAD_*). */
  readonly providers?: PreconfiguredProviders;
  /** How long a deployment may take from start to commit (default `UPLOAD_EXPIRY_MS`, 1 hour). */
  readonly uploadExpiryMs?: number;
  /** The control plane's clock (default: the system clock); tests move it forward. */
  readonly clock?: () => Date;
  /** `--sandbox` of managed functions (default `auto`: the strongest the machine offers). */
  readonly sandbox?: SandboxChoice;
  /** `--functions-user`: `auto`, `off`, `<first uid>` or `<first uid>:<count>` (used when root). */
  readonly functionsUser?: string;
  /** `--functions-network` (default `auto`: a private network per worker when slirp4netns is here). */
  readonly functionsNetwork?: FunctionsNetwork;
  /** `--https-port` and the service certificate (docs/https-and-domains.md); absent: plain HTTP only. */
  readonly https?: HttpsOptions;
  /**
   * `--trusted-proxy`: addresses and CIDR blocks of reverse proxies whose `X-Forwarded-For`, `-Proto`,
   * `-Host` and `-Port` are believed (decision 0085); absent or empty: nobody's.
   */
  readonly trustedProxies?: readonly string[];
  /**
   * `--identity-provider-address`: addresses and CIDR blocks outside the public internet (loopback, private
   * networks) where sites' identity providers may be reached, for a provider the operator runs there
   * (decision 0092); absent or empty: providers are reached at public addresses only.
   */
  readonly identityProviderAddresses?: readonly string[];
  /**
   * `--public-https` / `--public-port`: the scheme and port clients reach the sites on, when a reverse
   * proxy in front serves them on other ones than the listeners' (links, invitations, the sign-in
   * callback, link tokens); absent: the listeners' own.
   */
  readonly publicOrigin?: PublicOrigin;
  /** `--dns-server host:port` for custom domain validation; the system resolver when absent. */
  readonly dnsServer?: string;
  /** How often `Validating` custom domains are checked, in ms (default: a minute). */
  readonly domainCheckIntervalMs?: number;
  /** How long a `Ready` custom domain goes between checks, in ms (default: an hour). */
  readonly domainRevalidateMs?: number;
  /** How long an environment that could not be made ready waits for its next attempt, in ms (default 30 s). */
  readonly retryBrokenMs?: number;
  /**
   * How long a replaced deployment answers for the files its successor does not have, in ms (default 60 s,
   * decision 0126); tests shorten it.
   */
  readonly retiredGraceMs?: number;
  /**
   * How often this node removes the local folders of deployments it no longer serves (default hourly),
   * and how old such a folder must be (default an hour: one being made for a deploy right now stays).
   */
  readonly localPrune?: { readonly intervalMs: number; readonly minAgeMs: number };
  /** Prometheus metrics on the admin port's `/metrics` (default on; off only to measure their cost). */
  readonly metrics?: boolean;
  /** `--metrics-public`: `/metrics` answers without the admin token. */
  readonly metricsPublic?: boolean;
  /** `--access-log <file|->`: one JSON line per data-plane request. */
  readonly accessLog?: string;
  /** The traffic history of the portal's charts (default on; off only to measure its cost). */
  readonly traffic?: boolean;
  /**
   * A linked site calls a gateway this process serves in process (default true, decision 0027); false
   * keeps the HTTP hop over loopback, only to compare the two (tests, benchmarks).
   */
  readonly inProcessGateway?: boolean;
}

/** The scheme and port of the sites' public URLs (`--public-https`, `--public-port`). */
export interface PublicOrigin {
  readonly protocol: 'http' | 'https';
  readonly port: number;
}

/** A running service. */
export interface Service {
  /** `http://host:port` of the data plane and of the admin listener. */
  readonly url: string;
  readonly adminUrl: string;
  readonly port: number;
  readonly adminPort: number;
  /** The bound `--https-port`, when HTTPS is on. */
  readonly httpsPort?: number;
  /** Where the generated admin token is, when it was not configured. */
  readonly adminTokenFile?: string;
  /** Where the service key comes from: PORTICO_SECRET_KEY, or the key file at `file`. */
  readonly serviceKey:
    | { readonly source: 'environment' }
    | { readonly source: 'file'; readonly file: string };
  /** Start-up warnings for the operator (the key file beside the database). */
  readonly warnings: readonly string[];
  /** The sandbox managed functions run in. */
  readonly sandbox: Sandbox;
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
 * Starts `portico serve`. Nothing is written before the sandbox is known: a start that fails on it leaves
 * the data folder (or its absence) and the database as they were. Then the data folder and what is in it
 * are made private first; the service key is checked against the database before anything is written to
 * it (a wrong key is refused at once).
 */
export async function startService(options: ServeOptions): Promise<Service> {
  const dataDir = resolve(options.dataDir);
  const fresh = await checkDataFolder(dataDir);
  try {
    return await startInFolder(options, dataDir);
  } catch (error) {
    // A first start that fails (a port in use, a bad flag) leaves no half-made data folder behind. Not
    // with PostgreSQL: the database may already hold the state of the key file made in the folder.
    if (fresh && options.databaseUrl === undefined && options.removeFailedFirstData === true) {
      await rm(dataDir, { recursive: true, force: true });
    }
    throw error;
  }
}

/** True when the data folder does not exist yet; an error when the path is something else than a folder. */
async function checkDataFolder(dataDir: string): Promise<boolean> {
  const found = await stat(dataDir).catch(() => undefined);
  if (found !== undefined && !found.isDirectory()) {
    throw new PorticoError(
      'SERVE_DATA_NOT_A_FOLDER',
      `--data ${dataDir} is not a folder. Give the folder that holds (or will hold) the service's database, contents and admin token; it is created when missing.`,
    );
  }
  if (found === undefined) {
    await checkCreatable(dataDir);
  }
  return found === undefined;
}

/**
 * Checks that a missing data folder can be made: its nearest existing parent is a folder this process may
 * write in. Said with the flag's name, instead of a raw ENOTDIR or EACCES from the first write.
 */
async function checkCreatable(dataDir: string): Promise<void> {
  let parent = dirname(dataDir);
  let found = await stat(parent).catch(() => undefined);
  while (found === undefined && dirname(parent) !== parent) {
    parent = dirname(parent);
    found = await stat(parent).catch(() => undefined);
  }
  const problem =
    found === undefined || !found.isDirectory()
      ? `${parent} is not a folder`
      : await access(parent, constants.W_OK).then(
          () => undefined,
          () => `this user may not create folders in ${parent}`,
        );
  if (problem !== undefined) {
    throw notCreatable(dataDir, problem);
  }
}

function notCreatable(dataDir: string, problem: string): PorticoError {
  return new PorticoError(
    'SERVE_DATA_NOT_A_FOLDER',
    `--data ${dataDir} cannot be created: ${problem}. Give a folder this user may create, or create it first.`,
  );
}

async function startInFolder(options: ServeOptions, dataDir: string): Promise<Service> {
  const keySource = resolveKeySource({ ...options, dataDir });
  const history: DatabaseHistory = {
    dataDir,
    allowNew: options.newDatabase === true,
    location:
      options.databaseUrl === undefined
        ? { dialect: 'sqlite', file: join(dataDir, DATABASE_FILE) }
        : { dialect: 'postgres', url: options.databaseUrl },
  };
  const traces = await tracesOfPastService(history);
  let isNew = await checkSqliteHistory(history, traces);
  // With --new-database, the earlier database's traces move aside once writing may begin, before the new
  // database is created (SQLite) or migrated (PostgreSQL), so that its clean-up never deletes them.
  let setAside: string | undefined;
  const startedAt = options.clock?.() ?? new Date();
  // Independent steps, side by side: the sandbox probes start processes while the storage loads its driver
  // (and, on PostgreSQL, connects and reads the key state); the storage writes once the sandbox is known.
  const probing = resolveSandbox({
    choice: options.sandbox ?? 'auto',
    hidden: [dataDir],
    ...(options.functionsUser === undefined ? {} : { functionsUser: options.functionsUser }),
    ...(options.functionsNetwork === undefined ? {} : { network: options.functionsNetwork }),
  });
  const writable = probing.then(async () => {
    await makePrivateDir(dataDir).catch((error: unknown) => {
      throw notCreatable(dataDir, error instanceof Error ? error.message : String(error));
    });
    await tightenFolder(dataDir, DATA_ENTRIES);
    if (history.location.dialect === 'sqlite') {
      setAside = await setAsideTraces(history, traces, isNew, startedAt);
    }
  });
  // A storage that fails before it waits for `writable` never sees its rejection: it is handled here.
  writable.catch(() => undefined);
  const [probed, opened] = await Promise.allSettled([
    probing,
    openKeyedStorage(history.location, keySource, writable, async (db) => {
      if (history.location.dialect === 'postgres') {
        isNew = await checkPostgresHistory(db, history, traces);
        await writable;
        setAside = await setAsideTraces(history, traces, isNew, startedAt);
      }
    }),
  ]);
  if (probed.status === 'rejected') {
    // The sandbox's error first, as when it was checked before the storage opened.
    await (opened.status === 'fulfilled' ? opened.value.storage.close() : undefined);
    throw probed.reason;
  }
  if (opened.status === 'rejected') {
    throw opened.reason;
  }
  const sandbox = probed.value;
  const { storage, key } = opened.value;
  // What a server killed outright (kill -9, the OOM killer) left of its workers' private folders: never a
  // running server's, nor a `portico start`'s (decision 0113).
  await sweepAtStart(options.logger);
  const warnings = [
    ...(setAside === undefined ? [] : [setAside]),
    ...opened.value.warnings,
    ...(await historyWarnings(history, isNew)),
  ];
  logUpgrade(storage, options.logger);
  try {
    return await startOnStorage(options, dataDir, storage, { key, source: keySource, warnings }, sandbox);
  } catch (error) {
    await storage.close();
    throw error;
  }
}

/**
 * Says which migrations a start applied to an existing database: the operator learns the schema moved on,
 * and that older versions can no longer start on it.
 */
function logUpgrade(storage: StorageDatabase, logger: Logger): void {
  const upgraded = storage.upgraded ?? [];
  if (upgraded.length > 0) {
    logger.info(
      `database upgraded: applied ${upgraded.join(', ')}; versions of Portico older than this one can no longer start on it`,
    );
  }
}

/**
 * A node on PostgreSQL whose admin token is its own generated file: the other nodes of that database
 * each make their own, so the management API answers 401 on every node but the one whose token is used.
 */
function adminTokenWarnings(storage: StorageDatabase, file: string | undefined): string[] {
  return storage.dialect === 'postgres' && file !== undefined
    ? [
        `This node's admin token is its own generated file ${file}: other nodes on this database each make their own, and a management call through a load balancer is refused (401) by the nodes whose token it is not. Set the same PORTICO_ADMIN_TOKEN on every node (docs/operations.md).`,
      ]
    : [];
}

/** The option allowing identity providers at addresses outside the public internet. */
const IDENTITY_PROVIDER_FLAG = '--identity-provider-address';

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
  sandbox: Sandbox,
): Promise<Service> {
  const admin = await resolveAdminToken(dataDir, options.adminToken);
  const blobs: BlobStore =
    storage.dialect === 'sqlite'
      ? createDiskBlobStore(join(dataDir, 'blobs'))
      : createDatabaseBlobStore(storage.db);
  let publicPort = options.port;
  let httpsPort = options.https?.port;
  // --public-https/--public-port when given, else the HTTPS listener when there is one, else the plain one.
  const publicUrl = (hostname: string) => {
    const { protocol, port }: PublicOrigin =
      options.publicOrigin ??
      (httpsPort === undefined
        ? { protocol: 'http', port: publicPort }
        : { protocol: 'https', port: httpsPort });
    const standard = port === (protocol === 'https' ? 443 : 80);
    return `${protocol}://${hostname}${standard ? '' : `:${port}`}`;
  };
  // Set once the operations exist; the admin listener (the only reader) starts after them.
  let flushTraffic: (() => Promise<void>) | undefined;
  // Set once the site table exists.
  let checkApi: ((hostname: string) => Promise<ApiCheck | undefined>) | undefined;
  const control: ControlContext = {
    db: storage.db,
    blobs,
    sealer: createSealer(serviceKey.key),
    domain: options.domain,
    workDir: join(dataDir, 'cache'),
    logger: options.logger,
    now: options.clock ?? (() => new Date()),
    ...(options.uploadExpiryMs === undefined ? {} : { uploadExpiryMs: options.uploadExpiryMs }),
    publicUrl,
    validateSettings: validateAppSettings,
    domainDns: createDomainDns(options.dnsServer),
    confine: sandbox.confine,
    sealSession: (scope, principal, expiresAt) =>
      sealValue(siteSessionKey(control, scope), principal, expiresAt),
    flushTraffic: async () => flushTraffic?.(),
    checkApi: async (hostname) => checkApi?.(hostname),
  };
  await failInterruptedCommits(control);
  await expireUploads(control);
  const serviceId = await resolveServiceId(storage.db);
  let bus: ChangeBus | undefined;
  const tokens = createTokenService(control);
  const apiTimeoutMs = options.apiTimeoutSeconds * 1000;
  const gateway = await createGatewayRuntime({
    control,
    tokens,
    redisUrl: options.redisUrl,
    serviceId,
    logger: options.logger,
    ...(inClusterWorker() ? { sharedCounters: createPrimaryCounterStore() } : {}),
  });
  const linkProof = createLinkProof(control.sealer.deriveKey('function-app-link-proof'));
  // One budget for the request bodies of every managed API of this process (decision 0112).
  const requestBodies = new ByteBudget(TOTAL_REQUEST_BODY_BYTES);
  const functionApps = createFunctionAppTable({
    control,
    tokens,
    linkProof,
    timeoutMs: apiTimeoutMs,
    idleMs: options.apiIdleMinutes * 60_000,
    sandbox,
    requestBodies,
  });
  const domains = createDomainTable(control);
  const certificates = createCertificateTable(control);
  const loopbackHost = options.host === '0.0.0.0' || options.host === '::' ? '127.0.0.1' : options.host;
  const signInFlows = createSignInFlows({
    key: control.sealer.deriveKey('sign-in-flow'),
    allowedAddresses: checkAddressList(options.identityProviderAddresses ?? [], IDENTITY_PROVIDER_FLAG),
    allowHint: `identity providers are reached at public addresses only; if this provider is the operator's own, start portico serve with ${IDENTITY_PROVIDER_FLAG} <address> (or PORTICO_IDENTITY_PROVIDER_ADDRESS), docs/sign-in.md`,
    logger: options.logger,
  });
  const identityHostname = `${IDENTITY_HOST_LABEL}.${options.domain}`;
  const signOuts = createSignOutQueue(options.logger);
  const table = createSiteTable({
    control,
    roles: createRoleCache(control),
    signOuts,
    apiTimeoutMs,
    ...(options.clientBodyIdleMs === undefined ? {} : { clientBodyIdleMs: options.clientBodyIdleMs }),
    apiIdleMs: options.apiIdleMinutes * 60_000,
    requestBodies,
    ...(options.retryBrokenMs === undefined ? {} : { retryBrokenMs: options.retryBrokenMs }),
    ...(options.retiredGraceMs === undefined ? {} : { retiredGraceMs: options.retiredGraceMs }),
    // Without Redis, only a SQLite service (one node, its workers relaying news) hears every change.
    hearsNews: () =>
      options.redisUrl === undefined ? storage.dialect === 'sqlite' : (bus?.hearsNews() ?? false),
    sandbox,
    announce: async () => bus?.announce(),
    linked: {
      tokens,
      linkProof,
      loopbackOrigin: () =>
        `http://${loopbackHost.includes(':') ? `[${loopbackHost}]` : loopbackHost}:${publicPort}`,
      // The address a call over the listener would come from (a host name resolves to loopback).
      loopbackAddress: isIP(loopbackHost) === 0 ? '127.0.0.1' : loopbackHost,
      ...(options.inProcessGateway === false ? {} : { gateways: gateway.local }),
      publicUrl,
      timeoutMs: apiTimeoutMs,
      ...(options.clientBodyIdleMs === undefined ? {} : { clientBodyIdleMs: options.clientBodyIdleMs }),
      logger: options.logger,
    },
    resources: chainResources(
      chainResources(combineResources(gateway, functionApps, tokens), domains),
      certificates,
    ),
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
    bus = await connectChangeBus(options.redisUrl, serviceId, onNews, options.logger).catch(
      async (error: unknown) => {
        await table.close();
        throw error;
      },
    );
  }
  // The folders of the environments' deployments and APIs, and of the function apps, stay.
  const inUse = () => new Set([...table.activeDeploymentIds(), ...functionApps.activeFolders()]);
  await pruneLocalDeployments(control, inUse(), table.activeApiFolders());
  const sites = domains.provider(table);
  const identity = createIdentityHost({
    hostname: identityHostname,
    flows: signInFlows,
    isSiteOrigin: (origin) => {
      const url = URL.canParse(origin) ? new URL(origin) : undefined;
      return /^https?:$/.test(url?.protocol ?? '') && sites.resolveSite(url?.host) !== undefined;
    },
  });
  const gate = createDrainGate();
  // One check of the admin token for every route of the admin port, so every wrong guess counts.
  const adminGuard = createAdminTokenGuard(admin.token);
  const operations = await createNodeOperations({
    metrics: options.metrics ?? true,
    metricsPublic: options.metricsPublic ?? false,
    accessLog: options.accessLog,
    ...(options.traffic === false ? {} : { traffic: createTrafficSink(control) }),
    adminGuard,
    userKey: control.sealer.deriveKey('access-log-user'),
    logger: options.logger,
    storage,
    table,
    sites,
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
  flushTraffic = () => operations.flushTraffic();
  const edgeHandler = createEdgeHandler({
    provider: sites,
    serverHost: `${options.host}:${options.port}`,
    logger: options.logger,
    verbose: options.verbose,
    onPrincipal: operations.onPrincipal,
  });
  const targets = {
    gateway,
    functionApps,
    identity,
    edge: edgeHandler,
    beforeSites: domains.redirectToDefault,
  };
  let secureEdge: HttpsEdge | undefined;
  const plainStep = createPlainHttpStep({
    ...(options.https === undefined
      ? {}
      : {
          httpsPort: () => httpsPort ?? 443,
          keyAuthorization: certificates.keyAuthorization,
          // Only hosts a site (or sign-in) is served at: never a Location made of any Host a client sends.
          serves: (host, hostname) => hostname === identityHostname || sites.resolveSite(host) !== undefined,
          // Only to an HTTPS that has a certificate for the host: the service certificate when it covers
          // the name, else the domain's own (a Ready domain whose ACME orders fail stays on plain HTTP).
          hasCertificate: (hostname) =>
            secureEdge?.covers(hostname) === true || certificates.forHost(hostname) !== undefined,
        }),
    logger: options.logger,
  });
  // Requests from a trusted reverse proxy carry what it reported before anything reads them (decision 0085).
  const trusted = options.trustedProxies ?? [];
  const forwarded: typeof identityListener =
    trusted.length === 0 ? identityListener : (listener) => trustForwardedFields(trusted, listener);
  const edge = createEdgeServer(
    gate.wrap(
      forwarded(
        operations.instrument(
          createFrontHandler({
            ...targets,
            beforeSites: (hostname, req, res) =>
              plainStep(hostname, req, res) || domains.redirectToDefault(hostname, req, res),
          }),
        ),
      ),
    ),
    { upgrade: createFrontUpgradeHandler(gateway) },
  );
  const afterChange = async () => {
    await table.sync();
    await bus?.announce();
  };
  checkApi = async (hostname) => {
    await table.sync();
    const loaded = table.loadedApiOf(hostname).then(
      (api): ApiCheck | undefined => (api === undefined ? undefined : { warnings: api.warnings }),
      (error: unknown): ApiCheck => ({ problem: errorMessage(error) }),
    );
    // A slow start (a large app) is not held against the deploy: after this long it is not waited for.
    let timer: NodeJS.Timeout | undefined;
    const patience = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), API_CHECK_MS);
    });
    return Promise.race([loaded, patience]).finally(() => clearTimeout(timer));
  };
  // The admin port believes a trusted proxy's scheme and host for the links it builds, and nothing else.
  const linkOrigin: typeof identityListener =
    trusted.length === 0 ? identityListener : (listener) => trustForwardedOrigin(trusted, listener);
  const adminServer = createEdgeServer(
    gate.wrap(
      linkOrigin(
        operations.admin(
          createManagementHandler({
            control,
            adminToken: admin.token,
            adminGuard,
            logger: options.logger,
            version: options.version,
            afterChange,
            fallback: createPortalHandler({ logger: options.logger }),
            functions: { listFunctions: (hostname) => table.functionsOf(hostname) },
          }),
        ),
      ),
    ),
  );
  try {
    if (options.https !== undefined) {
      secureEdge = createHttpsEdge(
        { domain: options.domain, ...options.https },
        gate.wrap(forwarded(operations.instrument(createFrontHandler(targets)))),
        certificates.forHost,
        options.logger,
      );
      gate.watch(secureEdge.server);
    }
    gate.watch(edge);
    gate.watch(adminServer);
    publicPort = await listenAs(edge, options.port, options.host, '--port');
    if (secureEdge !== undefined) {
      httpsPort = await listenAs(secureEdge.server, options.https?.port ?? 0, options.host, '--https-port');
    }
    // Before the admin listener opens: its /readyz must not answer ready while a linked site's calls would
    // still meet a policy written for the service's previous address (decision 0054).
    await followLinkedGateways(control, options.logger, afterChange);
    const adminHost = options.adminHost ?? options.host;
    const adminPort = await listenAs(
      adminServer,
      options.adminPort,
      adminHost,
      '--admin-port',
      options.adminHost === undefined ? '--host' : '--admin-host',
    );
    const poller = followChanges(table, options);
    if (options.https !== undefined) {
      certificates.startOrders(options.https.acme ?? {}, afterChange);
    }
    domains.startChecks(
      options.domainCheckIntervalMs ?? 60_000,
      options.domainRevalidateMs ?? REVALIDATE_MS,
      afterChange,
    );
    const sweeper = sweepContentsHourly(control, options.logger);
    const pruner = pruneLocalRegularly(control, options, () => ({
      keep: inUse(),
      keepApis: table.activeApiFolders(),
    }));
    const expiry = expireUploadsRegularly(control, options.logger);
    const origin = (port: number, host = options.host) =>
      `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
    let closing: Promise<void> | undefined;
    const close = () => {
      closing ??= closeAll();
      return closing;
    };
    const closeAll = async () => {
      clearInterval(poller);
      clearInterval(sweeper);
      clearInterval(pruner);
      clearInterval(expiry);
      secureEdge?.close();
      await Promise.all([
        closeServer(edge),
        closeServer(adminServer),
        ...(secureEdge === undefined ? [] : [closeServer(secureEdge.server)]),
      ]);
      await table.close();
      signOuts.close();
      await bus?.close();
      await operations.close();
      await storage.close();
    };
    return {
      url: origin(publicPort),
      adminUrl: origin(adminPort, adminHost),
      port: publicPort,
      adminPort,
      ...(httpsPort === undefined ? {} : { httpsPort }),
      adminTokenFile: admin.file,
      serviceKey:
        serviceKey.source.kind === 'file'
          ? { source: 'file', file: serviceKey.source.file }
          : { source: 'environment' },
      warnings: [
        ...serviceKey.warnings,
        ...adminTokenWarnings(storage, admin.file),
        ...[wideTrustWarning(options.trustedProxies ?? []), publicPortWarning(options.publicOrigin)].filter(
          (warning) => warning !== undefined,
        ),
        ...providerAddressWarnings(
          options.providers ?? {},
          options.identityProviderAddresses ?? [],
          IDENTITY_PROVIDER_FLAG,
        ),
        ...installStartupNotes(process.env, sandbox.profile.bubblewrap !== undefined),
      ],
      sandbox,
      control,
      publicUrl,
      reopenLogs: () => operations.reopenLogs(),
      async drain(timeoutMs) {
        gate.start();
        const deadline = Date.now() + timeoutMs;
        // The data plane first; the admin port answers /readyz (503, draining) until it is done.
        const [sites, secure] = await Promise.all([
          drainServer(edge, deadline, gate),
          secureEdge === undefined ? true : drainServer(secureEdge.server, deadline, gate),
        ]);
        const admin = await drainServer(adminServer, deadline, gate);
        await close();
        return sites && secure && admin;
      },
      close,
    };
  } catch (error) {
    secureEdge?.close();
    await Promise.all([
      closeServer(edge),
      closeServer(adminServer),
      ...(secureEdge === undefined ? [] : [closeServer(secureEdge.server)]),
      table.close(),
      bus?.close(),
    ]);
    await operations.close();
    throw error;
  }
}

/** A listener as it is (no trusted proxy to read fields from). */
function identityListener(
  listener: (req: IncomingMessage, res: ServerResponse) => void,
): (req: IncomingMessage, res: ServerResponse) => void {
  return listener;
}

/** The database as the traffic recorder's sink, under a random id of this process (decision 0032). */
function createTrafficSink(control: ControlContext): (batch: TrafficBatch) => Promise<void> {
  const node = randomUUID();
  return (batch) => recordTraffic(control, node, batch);
}

/** How often, and from what age, a running node removes deployment folders it no longer serves. */
const LOCAL_PRUNE_INTERVAL_MS = 60 * 60_000;
const LOCAL_PRUNE_MIN_AGE_MS = 60 * 60_000;

/**
 * Removes unused deployment contents, and change-log rows every node has read, now and every hour; a
 * failure is logged and retried next time.
 */
function sweepContentsHourly(control: ControlContext, logger: Logger): NodeJS.Timeout {
  const sweep = () => {
    void sweepUnusedContents(control).then(
      (removed) => {
        if (removed > 0) {
          logger.info(`removed ${removed} stored contents no deployment uses any more`);
        }
      },
      (error: unknown) => logger.warn(`sweeping unused contents failed: ${errorMessage(error)}`),
    );
    void pruneChangeLog(control).then(
      (removed) => {
        if (removed > 0) {
          logger.debug(`removed ${removed} rows of the change log older than a day`);
        }
      },
      (error: unknown) => logger.warn(`pruning the change log failed: ${errorMessage(error)}`),
    );
  };
  sweep();
  const timer = setInterval(sweep, 60 * 60_000);
  timer.unref();
  return timer;
}

/**
 * Deploys and deletions leave folders of deployments no longer served: a running node removes them too,
 * once they are old enough (a folder being made for a deploy now is not yet among those kept).
 */
function pruneLocalRegularly(
  control: ControlContext,
  options: Pick<ServeOptions, 'localPrune' | 'logger'>,
  inUse: () => { keep: ReadonlySet<string>; keepApis: ReadonlySet<string> },
): NodeJS.Timeout {
  const minAgeMs = options.localPrune?.minAgeMs ?? LOCAL_PRUNE_MIN_AGE_MS;
  const timer = setInterval(() => {
    const { keep, keepApis } = inUse();
    pruneLocalDeployments(control, keep, keepApis, { minAgeMs }).catch((error: unknown) =>
      options.logger.warn(`removing unused deployment folders failed: ${errorMessage(error)}`),
    );
  }, options.localPrune?.intervalMs ?? LOCAL_PRUNE_INTERVAL_MS);
  timer.unref();
  return timer;
}

/** Expires uploads that were never committed, every few minutes; a failure is logged and retried. */
function expireUploadsRegularly(control: ControlContext, logger: Logger): NodeJS.Timeout {
  const timer = setInterval(() => {
    expireUploads(control).catch((error: unknown) =>
      logger.warn(`expiring uploads failed: ${errorMessage(error)}`),
    );
  }, UPLOAD_CHECK_INTERVAL_MS);
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
          options.logger.warn(`cannot read the change log: ${errorMessage(error)}`);
        }
        failing = true;
      },
    );
  }, options.pollIntervalMs ?? 1000);
  timer.unref();
  return timer;
}

/** Listens, or fails with the user's error naming the flag that chose the port (and the host). */
async function listenAs(
  server: Parameters<typeof listen>[0],
  port: number,
  host: string,
  portFlag: string,
  hostFlag = '--host',
): Promise<number> {
  try {
    return await listen(server, port, host);
  } catch (error) {
    throw explainListenError(error, {
      port,
      host,
      portFlag,
      hostFlag,
      command: 'portico serve',
      usualHolder: 'another portico serve, or one of its own other ports?',
    });
  }
}
