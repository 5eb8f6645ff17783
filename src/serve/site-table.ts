/**
 * The data plane's table of hosts: every environment of every site, with its runtime built ahead of
 * requests (the edge resolves hosts synchronously). It follows the database's change log, so a deploy,
 * a settings change or a deletion made through any node reaches every node within a poll interval.
 */
import {
  type ControlContext,
  listServingEntries,
  type ServingEntry,
  USERS_CHANGE_PREFIX,
} from '../control-plane/index.js';
import type { EdgeSite, EdgeStateProvider, MissingSite } from '../edge/index.js';
import type { FunctionSummary } from '../functions-host/index.js';
import { countOf } from '../shared/count.js';
import { errorMessage } from '../shared/guards.js';
import { hostnameOf } from '../shared/hostname.js';
import type { Logger } from '../shared/logger.js';
import {
  type BrokenState,
  buildEnvironmentRuntime,
  closeEnvironmentRuntime,
  type EnvironmentRuntime,
  type RuntimeDeps,
} from './environment-runtime.js';
import type { LoadedApi } from './managed-api.js';
import { matchRetiredFile, RETIRED_GRACE_MS, retireOnReplace } from './retired-deployments.js';

/**
 * What resolves a request's host to the site environment it serves, for the edge and for the labels of
 * the request in metrics, the traffic history and the access log.
 */
export interface SiteHosts extends EdgeStateProvider {
  /** The site and environment names served at a host name (for metrics and the access log). */
  describeHost(hostname: string): { readonly site: string; readonly environment: string } | undefined;
}

/** The host table, as the edge's state provider. */
export interface SiteTable extends SiteHosts {
  /** Loads every environment (at start). */
  loadAll(): Promise<void>;
  /** Reads the change log and rebuilds what changed; resolves when done. */
  sync(): Promise<void>;
  /** The functions of the managed API served at a host name (loading it), or undefined when none. */
  functionsOf(hostname: string): Promise<readonly FunctionSummary[] | undefined>;
  /** The managed API served at a host name, loaded (its functions and warnings); undefined when none. */
  loadedApiOf(hostname: string): Promise<LoadedApi | undefined>;
  /** The ids of the deployments this node serves. */
  activeDeploymentIds(): Set<string>;
  /** The folders the managed APIs of this node run from. */
  activeApiFolders(): Set<string>;
  /** How many environments have a live deployment this node could not make ready (they answer 503). */
  unservableCount(): number;
  /**
   * Calls `listener` with each environment this node stops serving at every host name (the environment or
   * its site was deleted), so that what is kept per environment (metrics series) goes too; returns the
   * function that stops it.
   */
  onEnvironmentGone(listener: EnvironmentGoneListener): () => void;
  close(): Promise<void>;
}

/** Told the site and environment names of an environment no longer served. */
export type EnvironmentGoneListener = (site: string, environment: string) => void;

/** How long an environment that could not be made ready waits for its next attempt, by default. */
const RETRY_BROKEN_MS = 30_000;

/**
 * Attempts that fail for the reason already logged go to the log at `debug`, except one every this many
 * retry intervals (10 minutes by default), at `error`: a site broken for a day must not write thousands
 * of identical errors, yet must stay visible in the log.
 */
const REPEAT_ERROR_EVERY = 20;

/**
 * How long a static miss waits for this node to catch up with the changes made before it (decision 0126):
 * a deployment is usually loaded in a few hundred milliseconds, and a page that waits for an asset beats
 * a broken one; past this, the miss is answered as before (fallback or 404), so a slow database never
 * holds a 404 for long.
 */
const SUCCESSOR_WAIT_MS = 2_000;

/** How often, at most, static misses make a node that polls read the change log (decision 0126). */
const MISS_SYNC_EVERY_MS = 1_000;

/** Grace for in-flight `/api` calls of a replaced environment. */
const DRAIN_MS = 50_000;

/**
 * How long rows of the `changes` log are kept (see {@link pruneChangeLog}). A node that has not read the
 * log for half of it (its database away, its host suspended) reloads everything instead of reading on,
 * since rows it never read may be gone; the other half leaves room for clocks that disagree.
 */
export const CHANGE_LOG_KEPT_MS = 24 * 60 * 60_000;

/** Creates the host table; call `loadAll()` before serving. */
export function createSiteTable(deps: RuntimeDeps): SiteTable {
  const runtimes = new Map<string, EnvironmentRuntime>();
  let lastSeq = 0;
  /** When the change log was last read, by the control plane's clock (the clock the log's rows carry). */
  let lastReadAt = Number.POSITIVE_INFINITY;
  let syncing: Promise<void> | undefined;
  /** A sync waiting for the one in flight, not started yet: callers until it starts join it. */
  let queued: Promise<void> | undefined;
  const retryBrokenMs = deps.retryBrokenMs ?? RETRY_BROKEN_MS;
  const retiredGraceMs = deps.retiredGraceMs ?? RETIRED_GRACE_MS;

  const goneListeners = new Set<EnvironmentGoneListener>();
  const install = async (entries: readonly ServingEntry[], hostnames: Iterable<string>) => {
    const before = environmentsOf(runtimes.values());
    const seen = new Set<string>();
    for (const entry of entries) {
      seen.add(entry.hostname);
      const previous = runtimes.get(entry.hostname);
      const built = await buildEnvironmentRuntime(deps, entry, applyLocalChange, previous).catch(
        (error: unknown) => {
          const reason = errorMessage(error);
          const broken = failedAgain(previous?.broken, reason, performance.now(), retryBrokenMs);
          logFailure(deps.control.logger, entry.hostname, broken);
          return { entry, broken } satisfies EnvironmentRuntime;
        },
      );
      replace(entry.hostname, withRetired(entry.hostname, built, previous));
    }
    for (const hostname of hostnames) {
      if (!seen.has(hostname)) {
        replace(hostname, undefined);
      }
    }
    tellGone(before, environmentsOf(runtimes.values()), goneListeners);
  };
  // Across a deploy, a page of either build still loads its assets from this node (decision 0126): the
  // deployment replaced here answers for the files the new one lacks, for a grace; and a miss first lets
  // this node catch up with a deploy it has not loaded yet (the page may come from a node that has).
  const withRetired = (
    hostname: string,
    next: EnvironmentRuntime,
    previous: EnvironmentRuntime | undefined,
  ): EnvironmentRuntime => {
    if (next.site === undefined) {
      return next;
    }
    const retired = retireOnReplace(
      {
        ...(previous === undefined
          ? {}
          : { before: { deploymentId: previous.entry.activeDeploymentId, files: previous.files } }),
        kept: previous?.retired ?? [],
        servedId: next.entry.activeDeploymentId,
      },
      retiredGraceMs,
    );
    const site: EdgeSite = {
      ...next.site,
      ...(retired.length === 0
        ? {}
        : { matchRetiredFile: (path: string) => matchRetiredFile(retired, path) }),
      awaitSuccessor: () => successorOf(hostname, site),
    };
    return { ...next, site, retired };
  };
  /**
   * The site serving `hostname` once this node has caught up, if not `site`. A sync in flight (news heard,
   * a deployment loading) is waited for; otherwise the change log is read only while news is not heard
   * (polling), at most once per {@link MISS_SYNC_EVERY_MS}: a 404 scan must not become a database read per
   * request, and a node that hears news has nothing to read that it has not heard of.
   */
  const successorOf = async (hostname: string, site: EdgeSite): Promise<EdgeSite | undefined> => {
    const catchUp = syncing ?? missSync();
    if (catchUp === undefined) {
      return undefined;
    }
    let timer: NodeJS.Timeout | undefined;
    const patience = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, SUCCESSOR_WAIT_MS);
    });
    await Promise.race([catchUp.catch(() => undefined), patience]).finally(() => clearTimeout(timer));
    const current = runtimes.get(hostname)?.site;
    return current === site ? undefined : current;
  };
  let lastMissSyncAt = Number.NEGATIVE_INFINITY;
  /** A sync for a miss, when news is not heard and none was started for one within the last second. */
  const missSync = (): Promise<void> | undefined => {
    const now = performance.now();
    if ((deps.hearsNews?.() ?? true) || now - lastMissSyncAt < MISS_SYNC_EVERY_MS) {
      return undefined;
    }
    lastMissSyncAt = now;
    return table.sync();
  };
  const replace = (hostname: string, next: EnvironmentRuntime | undefined) => {
    const previous = runtimes.get(hostname);
    if (next === undefined) {
      runtimes.delete(hostname);
    } else {
      runtimes.set(hostname, next);
    }
    if (previous?.broken !== undefined && next !== undefined && next.broken === undefined) {
      const { attempts } = previous.broken;
      deps.control.logger.info(`serving ${hostname} again, after ${countOf(attempts, 'failed attempt')}`);
    }
    if (previous !== undefined) {
      void closeEnvironmentRuntime(previous, DRAIN_MS, next);
    }
  };
  const syncOnce = async () => {
    await applyChanges();
    await retryBroken();
  };
  // An environment that could not be made ready (a database that did not answer, a link that does not
  // open) is tried again on its own, not only at its next change: a passing failure must not keep it down.
  const retryBroken = async () => {
    const now = performance.now();
    const due: string[] = [];
    for (const [hostname, { broken }] of runtimes) {
      if (broken !== undefined && now - broken.at >= retryBrokenMs) {
        due.push(hostname);
      }
    }
    if (due.length > 0) {
      await install(await listServingEntries(deps.control, due), due);
    }
  };
  const applyChanges = async () => {
    const now = deps.control.now().getTime();
    if (now - lastReadAt > CHANGE_LOG_KEPT_MS / 2) {
      deps.control.logger.info(
        'the change log was last read over 12 hours ago and may have been pruned since: reloading every site',
      );
      await table.loadAll();
      return;
    }
    const changes = await readChanges(deps.control, lastSeq);
    lastReadAt = now;
    if (changes.length === 0) {
      return;
    }
    lastSeq = changes.at(-1)?.seq ?? lastSeq;
    const hosts = new Set<string>();
    const userSites = new Set<string>();
    for (const { hostname } of changes) {
      if (hostname.startsWith(USERS_CHANGE_PREFIX)) {
        userSites.add(hostname.slice(USERS_CHANGE_PREFIX.length));
      } else if (!hostname.includes(':')) {
        hosts.add(hostname);
      }
    }
    await deps.resources?.apply(changes.map((change) => change.hostname));
    if (hosts.has('*')) {
      await deps.roles.reload();
      await install(await listServingEntries(deps.control), [...runtimes.keys()]);
      return;
    }
    if (userSites.size > 0) {
      await deps.roles.reload([...userSites]);
    }
    if (hosts.size > 0) {
      await install(await listServingEntries(deps.control, [...hosts]), hosts);
    }
  };
  // A change this node wrote (an accepted invitation, a purge): apply it here, then tell the others.
  const applyLocalChange = async () => {
    await table.sync();
    await deps.announce?.();
  };
  const table: SiteTable = {
    resolveSite(host: string | undefined): EdgeSite | undefined {
      return host === undefined ? undefined : runtimes.get(hostnameOf(host))?.site;
    },
    unservableCount() {
      let count = 0;
      for (const runtime of runtimes.values()) {
        if (runtime.broken !== undefined) {
          count += 1;
        }
      }
      return count;
    },
    describeMissing(host: string | undefined): MissingSite | undefined {
      const runtime = host === undefined ? undefined : runtimes.get(hostnameOf(host));
      if (runtime === undefined || runtime.site !== undefined) {
        return undefined;
      }
      const { siteName, environmentName } = runtime.entry;
      return runtime.broken !== undefined
        ? {
            status: 503,
            // A visitor reads this: no names of the operator's, no pointer to a log they cannot see (the
            // log says why under 'cannot serve <host>', and portico_environments_unservable counts it).
            message: 'This site cannot be served right now. Try again in a few minutes.',
          }
        : {
            status: 404,
            message: `Nothing is deployed to this environment (${siteName}, ${environmentName}) yet: deploy an app to it first. Its pages and its /api, a linked backend included, answer once a deployment is live.`,
          };
    },
    async loadAll() {
      const now = deps.control.now().getTime();
      lastSeq = await latestSeq(deps.control);
      lastReadAt = now;
      await deps.roles.reload();
      await deps.resources?.loadAll();
      await install(await listServingEntries(deps.control), [...runtimes.keys()]);
    },
    sync() {
      // Runs after any sync in flight, so a caller always sees changes made before it asked; one that has
      // not started reading yet sees them too, so callers join it (a burst of misses reads the log once).
      if (queued !== undefined) {
        return queued;
      }
      const next: Promise<void> = (syncing ?? Promise.resolve())
        .catch(() => undefined)
        .then(() => {
          if (queued === next) {
            queued = undefined;
          }
          return syncOnce();
        });
      queued = next;
      syncing = next;
      void next
        .finally(() => {
          if (syncing === next) {
            syncing = undefined;
          }
        })
        .catch(() => undefined);
      return next;
    },
    describeHost(hostname: string) {
      const entry = runtimes.get(hostname)?.entry;
      return entry === undefined ? undefined : { site: entry.siteName, environment: entry.environmentName };
    },
    onEnvironmentGone(listener) {
      goneListeners.add(listener);
      return () => goneListeners.delete(listener);
    },
    async functionsOf(hostname: string) {
      return runtimes.get(hostname)?.api?.functions();
    },
    async loadedApiOf(hostname: string) {
      return runtimes.get(hostname)?.api?.loaded();
    },
    activeApiFolders() {
      return new Set(
        [...runtimes.values()].flatMap((r) => (r.apiSource === undefined ? [] : [r.apiSource.apiDir])),
      );
    },
    activeDeploymentIds() {
      const now = performance.now();
      return new Set(
        [...runtimes.values()].flatMap((r) => [
          ...(r.entry.activeDeploymentId === null ? [] : [r.entry.activeDeploymentId]),
          // A retired deployment's folder stays while its files still answer.
          ...(r.retired ?? []).flatMap((retired) => (retired.until > now ? [retired.deploymentId] : [])),
        ]),
      );
    },
    async close() {
      await syncing?.catch(() => undefined);
      await Promise.all([...runtimes.values()].map((r) => closeEnvironmentRuntime(r, 0)));
      runtimes.clear();
      await deps.resources?.close();
    },
  };
  return table;
}

/** The environments served, as `[site, environment]` by one key each (a custom domain is one more host). */
function environmentsOf(runtimes: Iterable<EnvironmentRuntime>): Map<string, readonly [string, string]> {
  const environments = new Map<string, readonly [string, string]>();
  for (const { entry } of runtimes) {
    environments.set(JSON.stringify([entry.siteName, entry.environmentName]), [
      entry.siteName,
      entry.environmentName,
    ]);
  }
  return environments;
}

/** Tells `listeners` of each environment of `before` that `after` no longer has. */
function tellGone(
  before: ReadonlyMap<string, readonly [string, string]>,
  after: ReadonlyMap<string, readonly [string, string]>,
  listeners: ReadonlySet<EnvironmentGoneListener>,
): void {
  for (const [key, [site, environment]] of before) {
    if (!after.has(key)) {
      for (const listener of listeners) {
        listener(site, environment);
      }
    }
  }
}

async function readChanges(
  control: ControlContext,
  after: number,
): Promise<{ seq: number; hostname: string }[]> {
  return control.db
    .selectFrom('changes')
    .select(['seq', 'hostname'])
    .where('seq', '>', after)
    .orderBy('seq')
    .limit(1000)
    .execute();
}

/**
 * Removes rows of the `changes` log older than {@link CHANGE_LOG_KEPT_MS}: every node reads the log each
 * second (or hears of a change at once through Redis), so a row that old has been read by every node
 * that is following; one that was not (see the reload in `applyChanges`) reloads everything. Answers how
 * many rows went.
 */
export async function pruneChangeLog(control: ControlContext): Promise<number> {
  const cutoff = new Date(control.now().getTime() - CHANGE_LOG_KEPT_MS).toISOString();
  const result = await control.db.deleteFrom('changes').where('at', '<', cutoff).executeTakeFirst();
  return Number(result.numDeletedRows);
}

async function latestSeq(control: ControlContext): Promise<number> {
  const row = await control.db
    .selectFrom('changes')
    .select((eb) => eb.fn.max('seq').as('seq'))
    .executeTakeFirst();
  return Number(row?.seq ?? 0);
}

/** The state after a failed attempt: a new run of failures, or one more of the run in `previous`. */
function failedAgain(
  previous: BrokenState | undefined,
  reason: string,
  now: number,
  retryBrokenMs: number,
): BrokenState {
  if (previous === undefined) {
    return { reason, since: now, at: now, attempts: 1, loggedAt: now };
  }
  const quiet = previous.reason === reason && now - previous.loggedAt < REPEAT_ERROR_EVERY * retryBrokenMs;
  return {
    reason,
    since: previous.since,
    at: now,
    attempts: previous.attempts + 1,
    loggedAt: quiet ? previous.loggedAt : now,
  };
}

/**
 * Logs a failed attempt: at `error` when its reason is new or was last logged long ago, else at `debug`.
 * Every line starts `cannot serve <host>`, the words the environment's 503 tells its owner to look for.
 */
function logFailure(logger: Logger, hostname: string, broken: BrokenState): void {
  if (broken.attempts === 1) {
    logger.error(`cannot serve ${hostname}: ${broken.reason}`);
  } else if (broken.loggedAt === broken.at) {
    const seconds = Math.round((broken.at - broken.since) / 1000);
    const failing = seconds < 120 ? `${seconds} s` : `${Math.round(seconds / 60)} min`;
    logger.error(
      `cannot serve ${hostname}: ${broken.reason} (failing for ${failing}, ${broken.attempts} attempts)`,
    );
  } else {
    logger.debug(`cannot serve ${hostname} (attempt ${broken.attempts}): ${broken.reason}`);
  }
}
