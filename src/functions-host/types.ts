/**
 * Public types of the functions host: the options of {@link FunctionsHost} and what it reports once an
 * API app is loaded.
 */

import type { Logger } from '../shared/logger.js';
import type { ByteBudget } from './byte-budget.js';
import type { ApiDispatcher } from './frame-dispatcher.js';
import type { Sandbox } from './sandbox/types.js';

/** One HTTP function of the loaded app, as the worker lists it. */
export interface FunctionSummary {
  readonly name: string;
  /** Upper-case methods, or `null` when the function accepts every method. */
  readonly methods: readonly string[] | null;
  /** The route template without the `api/` prefix (the declared route, else the function name). */
  readonly route: string;
  readonly authLevel: string;
}

/** What {@link FunctionsHost.start} resolves with. */
export interface FunctionsHostInfo {
  /** `http://<host>:<port>` of the app (the supervisor's port, shared by its workers); the same across restarts. */
  readonly url: string;
  /**
   * The same app on a Unix socket in a folder only this user can enter (decision 0033): what the edge of
   * this process connects to, as it costs less per request than TCP loopback. Absent where none can be
   * used (Windows, a temp folder path too long for a socket).
   */
  readonly socketPath?: string;
  readonly functions: readonly FunctionSummary[];
  /** Load-time warnings of the worker (non-HTTP triggers, overlapping routes …). */
  readonly warnings: readonly string[];
  /** How many worker processes serve the app (FUNCTIONS_WORKER_PROCESS_COUNT, 1 to 10). */
  readonly workerProcesses: number;
}

/**
 * Delays of the supervisor. The defaults suit people; tests shorten them.
 * @internal
 */
export interface HostTimings {
  /** How long a worker may take to load the app and send `ready`. */
  readonly readyTimeoutMs: number;
  /** Pause between two health checks of a running worker. */
  readonly healthIntervalMs: number;
  /** Limit of one health check. */
  readonly healthTimeoutMs: number;
  /** Consecutive failed health checks after which the worker is killed and replaced. */
  readonly healthFailures: number;
  /** First restart delay after a crash; it doubles on each crash in a row. */
  readonly backoffInitialMs: number;
  readonly backoffMaxMs: number;
  /** A worker that ran this long before crashing restarts the back-off from its first delay. */
  readonly backoffResetMs: number;
  /** Time between SIGTERM and SIGKILL when a worker is stopped. */
  readonly stopGraceMs: number;
  /** Quiet time after the last file change before a watch restart. */
  readonly watchDebounceMs: number;
  /** Limit of one {@link FunctionsHost.invoke} call. */
  readonly invokeTimeoutMs: number;
}

/** Options of {@link createFunctionsHost}. */
export interface FunctionsHostOptions {
  /** The Azure Functions app folder (holds host.json or package.json). */
  readonly apiDir: string;
  /** Port of the app; 0 (the default) picks a free port once. The supervisor holds it until `close()`. */
  readonly port?: number;
  /** Address the worker listens on (default 127.0.0.1). */
  readonly host?: string;
  /**
   * False: no TCP port at all, only the private Unix sockets the edge of this process uses (`portico
   * serve`): a loopback port is open to every process of the machine, other sites' functions included,
   * and would take their requests past the edge's rules and header stripping. Default true.
   */
  readonly listenTcp?: boolean;
  /**
   * Name the host's URL in the line that says a reloaded API is ready: true where that URL is the one its
   * users call (`portico functions start`). Default false: behind the edge (`portico start`, `portico
   * serve`) it is an internal address that bypasses `/api`'s handling of `x-ms-client-principal`.
   */
  readonly reportUrl?: boolean;
  /** App settings, as the control plane will pass them; validated, and they override the environment. */
  readonly appSettings?: Readonly<Record<string, string>>;
  /**
   * A deployed app (`portico serve`): its load errors tell the tenant how to deploy again instead of
   * which command to run in the folder. Default false.
   */
  readonly deployed?: boolean;
  /** Dev mode: add `local.settings.json` `Values`, never overriding variables already set. */
  readonly useLocalSettings?: boolean;
  /**
   * Dev mode: give the worker's Node.js the options of `languageWorkers__node__arguments` (environment or
   * local settings), as Core Tools does; refused with a sandbox. Never for `portico serve`, where a site
   * must not choose how its worker runs (decision 0057).
   */
  readonly nodeArgumentsFromSettings?: boolean;
  /**
   * With {@link nodeArgumentsFromSettings}: the worker's Node.js options given on the command line
   * (`portico start --func-args "--language-worker -- …"`), one word each; they win over the setting.
   */
  readonly nodeArguments?: readonly string[];
  /** Heap limit of the worker, passed as `--max-old-space-size` (default 512). */
  readonly maxMemoryMb?: number;
  /** Restart the worker when files of the API folder change (node_modules and .git excepted). */
  readonly watch?: boolean;
  /**
   * With {@link watch}: file names whose changes restart nothing. A TypeScript app's sources, while its
   * `watch` script compiles them: the worker loads the output, whose change follows.
   */
  readonly ignoreChanges?: (fileName: string) => boolean;
  readonly logger: Logger;
  /** Environment the worker inherits (default `process.env`, without `PORTICO_*`). */
  readonly baseEnv?: Readonly<Record<string, string | undefined>>;
  /** Where the worker runs (from `resolveSandbox`); default none, as `portico start` always did. */
  readonly sandbox?: Sandbox;
  /** Who the worker runs for (a site id): its uid under a uid-per-site sandbox (default: the API folder). */
  readonly sandboxIdentity?: string;
  /**
   * Called once, as soon as the first worker process has been started, before it has loaded the app:
   * `portico start` loads the edge's modules only then, so the two overlap (decision 0055).
   */
  readonly onFirstSpawn?: () => void;
  /**
   * The budget of request-body bytes the whole process may hold on their way to workers, shared by the
   * dispatchers of every host it runs (decision 0112); default: one of the host's own.
   */
  readonly requestBodies?: ByteBudget;
  /**
   * Script run as the worker (default: the compiled `worker/main.js` next to this module).
   * @internal for tests
   */
  readonly workerPath?: string;
  /** @internal for tests */
  readonly timings?: Partial<HostTimings>;
}

/** A supervised API app: 1 to 10 worker child processes serving it over one loopback HTTP port. */
export interface FunctionsHost {
  /** Loads the app; rejects with a user error (the worker's own message when loading fails). */
  start(): Promise<FunctionsHostInfo>;
  /** `http://<host>:<port>`; valid after `start()` and unchanged by restarts. */
  readonly url: string;
  /** {@link FunctionsHostInfo.socketPath}; `undefined` before `start()` and after `close()`. */
  readonly socketPath: string | undefined;
  /**
   * A transport for the edge's `/api` proxy of this process (decision 0036): frames on a Unix socket, or
   * HTTP while the app streams HTTP bodies. `undefined` before `start()`, after `close()`, and where no Unix
   * socket can be used; the edge then uses HTTP on {@link url}.
   */
  createDispatcher(): ApiDispatcher | undefined;
  /**
   * Replaces the worker with a fresh one (same port). Rejects if the new one cannot load the app; the host
   * then has no worker until the next `restart()` or, with `watch`, the next change.
   */
  restart(): Promise<void>;
  /** Stops watching and ends the worker (SIGTERM, then SIGKILL); resolves once it has exited. */
  close(): Promise<void>;
  /** POSTs `body` as JSON to `path` on the worker, bypassing the edge (for the roles function). */
  invoke(path: string, body: unknown): Promise<{ status: number; body: string }>;
  /**
   * Resolves once a worker is ready: at once while one serves, or when the worker that replaces a crashed
   * (or, in dev, changed) one has loaded. Rejects at once with the load error while the app cannot load
   * (until the next change, or a background retry succeeds), and when the host is closed.
   */
  whenReady(): Promise<void>;
  /**
   * Why a worker stopped for a fault (killed after failed health checks because a function blocked its
   * event loop, killed over its memory limit, crashed), until the next worker of its place is ready: for
   * the log line of a request it cut. It may name the server's limits: never for the public.
   */
  stopCause(): string | undefined;
}
