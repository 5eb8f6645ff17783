/**
 * Builds the edge's view of one deployed environment: the config and files of its active deployment
 * (materialised on this node), its managed API, and the service's sealed sessions.
 */
import { isDeepStrictEqual } from 'node:util';
import { type Diagnostic, formatDiagnostics, loadConfig } from '../config/index.js';
import {
  type ControlContext,
  materializeWithSharedApi,
  readDeployment,
  readSettings,
  resolveLink,
  type ServingEntry,
  userIdOfAccount,
} from '../control-plane/index.js';
import {
  type ApiProxy,
  callRolesSource,
  compileSiteRules,
  createDirectorySource,
  createSiteSignIn,
  type DirectorySource,
  type EdgeSite,
  type PreconfiguredProviders,
  resolveProviders,
  type SignInFlows,
  type SiteRulesState,
  type SiteSignIn,
} from '../edge/index.js';
import type { ByteBudget, Sandbox } from '../functions-host/index.js';
import type { Logger } from '../shared/logger.js';
import { createSiteIdentity, createSiteSessions, type RoleCache } from './identity.js';
import { createLinkedApi, type LinkedApiDeps } from './linked-api.js';
import { createManagedApi, type ManagedApi } from './managed-api.js';
import type { RetiredDeployment } from './retired-deployments.js';
import type { SignOutQueue } from './sign-outs.js';
import { orUnavailable } from './unavailable.js';

/** What serving one environment holds, so it can be closed when replaced. */
export interface EnvironmentRuntime {
  readonly entry: ServingEntry;
  /** Undefined while the environment has no deployment. */
  readonly site?: EdgeSite;
  readonly files?: DirectorySource;
  readonly api?: ManagedApi;
  /** What {@link api} runs: its folder and the app settings it was given (to keep it across deployments). */
  readonly apiSource?: ApiSource;
  /** The proxy to a linked backend, when the environment has one. */
  readonly linkedApi?: ApiProxy;
  /**
   * Why its live deployment could not be made ready, and since when; the reason is in the service's log.
   * Unset for an environment that was made ready or has nothing deployed.
   */
  readonly broken?: BrokenState;
  /**
   * The deployments it served until moments ago, newest first, whose files answer what {@link files} lacks
   * for a short grace (decision 0126); set by the site table.
   */
  readonly retired?: readonly RetiredDeployment[];
}

/** An environment whose live deployment could not be made ready (the site table tries it again). */
export interface BrokenState {
  /** The error of the last attempt. */
  readonly reason: string;
  /** When the first of the failed attempts in a row was made (`performance.now()`). */
  readonly since: number;
  /** When the last attempt failed (`performance.now()`). */
  readonly at: number;
  /** Failed attempts in a row. */
  readonly attempts: number;
  /** When the reason was last written to the log at `error` (`performance.now()`). */
  readonly loggedAt: number;
}

/** The folder and app settings a managed API was made with. */
interface ApiSource {
  readonly apiDir: string;
  readonly appSettings: Readonly<Record<string, string>>;
}

/** Shared by every environment of the service. */
export interface RuntimeDeps {
  readonly control: ControlContext;
  /** Custom roles of every site's users, kept current by the site table. */
  readonly roles: RoleCache;
  /** Sign-outs this node could not record yet (the database out of reach). */
  readonly signOuts: SignOutQueue;
  readonly apiTimeoutMs: number;
  /** See `ApiProxyOptions.clientBodyIdleMs` (default 20 s). */
  readonly clientBodyIdleMs?: number;
  readonly apiIdleMs: number;
  /** How long an environment that could not be made ready waits for its next attempt (default 30 s). */
  readonly retryBrokenMs?: number;
  /** How long a replaced deployment answers for files its successor lacks (default 60 s, decision 0126). */
  readonly retiredGraceMs?: number;
  /**
   * True while this node hears of the other nodes' changes as they are made (Redis news, or no other
   * node: SQLite); false while it learns of them only by polling. A static miss then reads the change log
   * before its 404 (at most once a second), in case the miss is an asset of a deploy not heard of yet
   * (decision 0126). Default: true.
   */
  readonly hearsNews?: () => boolean;
  /** Where managed functions run (chosen at start). */
  readonly sandbox?: Sandbox;
  /** The request-body bytes every managed API of the process may hold at once (decision 0112). */
  readonly requestBodies?: ByteBudget;
  /** Tells the other nodes that this node wrote a change (Redis), if they can be told. */
  readonly announce?: () => Promise<void>;
  /** Backend tokens and how linked backends are reached. */
  readonly linked: LinkedApiDeps;
  /** Changes that are not host names (`apim:`, `app:`, `keys:`): the gateway and function app tables. */
  readonly resources?: ResourceTables;
  /** Sign-in with identity providers: the service's flows and the operator's provider credentials. */
  readonly signIn: {
    readonly flows: SignInFlows;
    readonly preconfigured: PreconfiguredProviders;
    /** Where the preconfigured providers return (the identity host), e.g. `http://identity.localhost:4280`. */
    readonly identityOrigin: () => string;
  };
}

/** The tables of gateways and function apps, following their own entries of the change log. */
export interface ResourceTables {
  loadAll(): Promise<void>;
  /** Applies change-log entries (all of them: links are recorded under environment host names). */
  apply(names: readonly string[]): Promise<void>;
  close(): Promise<void>;
}

/**
 * Builds the runtime of an environment from its active deployment. The managed API of `previous` (the
 * runtime it replaces) is kept, running, when the new one would run the same API folder with the same
 * app settings (decision 0047); {@link closeEnvironmentRuntime} then leaves it to the new runtime.
 */
export async function buildEnvironmentRuntime(
  deps: RuntimeDeps,
  entry: ServingEntry,
  applyChanges: () => Promise<void>,
  previous?: EnvironmentRuntime,
): Promise<EnvironmentRuntime> {
  if (entry.activeDeploymentId === null) {
    return { entry };
  }
  const deployment = await readDeployment(deps.control, entry.activeDeploymentId);
  if (deployment === undefined) {
    return { entry };
  }
  const folders = await materializeWithSharedApi(
    deps.control,
    deployment.id,
    deployment.manifest,
    `site:${entry.siteId}`,
  );
  const state = unservableToVisitors(await readRules(folders.appDir, entry), entry, deps.control.logger);
  const files = await createDirectorySource({
    root: folders.appDir,
    watch: false,
    logger: deps.control.logger,
    // From the contents' hashes: an unchanged file keeps its ETag across deploys and nodes.
    etags: new Map(deployment.manifest.app.map((file) => [`/${file.path}`, `"${file.sha256.slice(0, 32)}"`])),
  });
  const link = await resolveLink(deps.control, entry.environmentId);
  const linkedApi = link === undefined ? undefined : createLinkedApi(entry, link, deps.linked);
  const appSettings = await readSettings(deps.control, entry.environmentId);
  const apiSource =
    folders.apiDir === undefined || linkedApi !== undefined
      ? undefined
      : { apiDir: folders.apiDir, appSettings };
  const api =
    apiSource === undefined ? undefined : (keptApi(previous, apiSource) ?? newApi(deps, entry, apiSource));
  const signIn = createSignIn(deps, entry, state, appSettings, linkedApi ?? api);
  const site: EdgeSite = {
    state,
    files,
    api: linkedApi ?? api,
    noApi: noApiAnswer(entry, deps.control.logger),
    sessions: createSiteSessions(
      deps.control,
      deps,
      entry,
      usesRolesSource(state),
      applyChanges,
      (provider) => signIn?.has(provider) ?? true,
    ),
    // The sign-in emulator never runs in `portico serve`: only real providers sign anyone in.
    isProviderEnabled: (name) => signIn?.has(name) ?? false,
    ...(signIn === undefined ? {} : { signIn }),
    secure: false,
    identity: createSiteIdentity(deps.control, entry, applyChanges),
    tokens: { wellKnown: (document) => deps.linked.tokens.wellKnown(entry.siteId, entry.hostname, document) },
  };
  return { entry, site, files, api, ...(apiSource === undefined ? {} : { apiSource }), linkedApi };
}

/** The managed API of `previous` when it runs the same folder with the same app settings. */
function keptApi(previous: EnvironmentRuntime | undefined, source: ApiSource): ManagedApi | undefined {
  const kept = previous?.apiSource;
  return previous?.api !== undefined &&
    kept !== undefined &&
    kept.apiDir === source.apiDir &&
    isDeepStrictEqual(kept.appSettings, source.appSettings)
    ? previous.api
    : undefined;
}

function newApi(deps: RuntimeDeps, entry: ServingEntry, source: ApiSource): ManagedApi {
  return createManagedApi({
    apiDir: source.apiDir,
    appSettings: source.appSettings,
    timeoutMs: deps.apiTimeoutMs,
    ...(deps.clientBodyIdleMs === undefined ? {} : { clientBodyIdleMs: deps.clientBodyIdleMs }),
    idleMs: deps.apiIdleMs,
    logger: deps.control.logger,
    label: `${entry.siteName}/${entry.environmentName}`,
    identity: `site:${entry.siteId}`,
    ...(deps.sandbox === undefined ? {} : { sandbox: deps.sandbox }),
    ...(deps.requestBodies === undefined ? {} : { requestBodies: deps.requestBodies }),
  });
}

/** What a visitor of `/api` reads in an environment without an API: nothing of the site's admin side. */
const NO_API_TEXT = 'Not found.';

/**
 * What `/api` answers in an environment without an API: a generic 404 to the visitor, and to the operator,
 * once per environment (a new deployment or setting builds it again), how to deploy one or link a backend.
 */
function noApiAnswer(entry: ServingEntry, logger: Logger): NonNullable<EdgeSite['noApi']> {
  let reported = false;
  return {
    text: NO_API_TEXT,
    report() {
      if (!reported) {
        reported = true;
        logger.info(`site ${entry.siteName} (${entry.environmentName}): ${noApiHint(entry)}`);
      }
    },
  };
}

/** How to give an environment an API: deploy one, or link a backend. */
function noApiHint(entry: ServingEntry): string {
  const env = entry.environmentName === 'production' ? '' : ` --env ${entry.environmentName}`;
  return `/api was requested, but no API is deployed to this environment (it answers 404). Deploy one with 'portico deploy <appDir> --api <apiDir> --site ${entry.siteName}${env}', or link a backend with 'portico link --site ${entry.siteName}${env} --backend-type <type> --resource <name>'.`;
}

/** The site's sign-in: its providers, and its roles function called through its own API. */
function createSignIn(
  deps: RuntimeDeps,
  entry: ServingEntry,
  state: SiteRulesState,
  appSettings: Readonly<Record<string, string>>,
  api: ApiProxy | undefined,
): SiteSignIn | undefined {
  if (!state.ok) {
    return undefined;
  }
  const auth = state.rules.config.auth;
  const rolesPath = auth.rolesSource;
  return createSiteSignIn({
    providers: resolveProviders(auth, appSettings, deps.signIn.preconfigured),
    flows: deps.signIn.flows,
    identityOrigin: deps.signIn.identityOrigin,
    userIdOf: (provider, userDetails, subject) =>
      orUnavailable(userIdOfAccount(deps.control, { siteId: entry.siteId, provider, userDetails, subject })),
    ...(rolesPath === undefined ? {} : { rolesSource: (input) => callRolesSource(api, rolesPath, input) }),
  });
}

/** With `auth.rolesSource`, roles come from the site's function at sign-in, not from invitations. */
function usesRolesSource(state: SiteRulesState): boolean {
  return state.ok && state.rules.config.auth?.rolesSource !== undefined;
}

/** What a visitor reads while an environment's config cannot be served: nothing of its contents. */
const UNSERVABLE_TEXT =
  'This site cannot be served right now: its configuration is not valid for this service.';

/**
 * A config that cannot be served (its plan changed since the deploy, or this version's rules refuse it):
 * visitors get a generic 500, and the operator, once per build of the environment, the diagnostics in
 * the log (decision 0125: operator words to the operator).
 */
function unservableToVisitors(state: SiteRulesState, entry: ServingEntry, logger: Logger): SiteRulesState {
  if (state.ok) {
    return state;
  }
  logger.warn(
    `site ${entry.siteName} (${entry.environmentName}): its staticwebapp.config.json cannot be served, so visitors get 500 until a deploy or plan change fixes it:\n${formatDiagnostics(state.diagnostics)}`,
  );
  return { ...state, publicText: UNSERVABLE_TEXT };
}

/** The deployed config, checked again (a plan may have changed since the deploy). */
async function readRules(appDir: string, entry: ServingEntry): Promise<SiteRulesState> {
  const loaded = await loadConfig({ appDir });
  if (!loaded.ok) {
    return { ok: false, diagnostics: loaded.diagnostics };
  }
  if (entry.sku === 'Free' && loaded.config.standardOnlyFeatures.length > 0) {
    const diagnostics: Diagnostic[] = loaded.config.standardOnlyFeatures.map((path) => ({
      severity: 'error',
      path,
      message: `${path} needs the Standard plan; this site is on Free.`,
    }));
    return { ok: false, diagnostics };
  }
  return { ok: true, rules: compileSiteRules(loaded.config) };
}

/**
 * Releases an environment's resources, letting in-flight `/api` calls finish first; a managed API that
 * `successor` kept goes on running, and so do the files it keeps as a retired deployment.
 */
export async function closeEnvironmentRuntime(
  runtime: EnvironmentRuntime,
  graceMs: number,
  successor?: EnvironmentRuntime,
): Promise<void> {
  const api = runtime.api === successor?.api ? undefined : runtime.api;
  const kept = successor?.retired ?? [];
  const files = kept.some((retired) => retired.files === runtime.files) ? undefined : runtime.files;
  const dropped = (runtime.retired ?? []).filter((retired) => !kept.includes(retired));
  await Promise.all([
    files?.close(),
    api?.close(graceMs),
    runtime.linkedApi?.close(graceMs),
    ...dropped.map((retired) => retired.close()),
  ]);
}
