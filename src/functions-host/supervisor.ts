/**
 * The functions-host supervisor (spec §1, §12): runs one API app in a worker child process on a fixed
 * loopback port, restarts it after crashes (with back-off), after failed health checks and, in dev, after
 * file changes, and never leaves it behind when the parent goes away. While no worker runs, connections
 * to the port are refused and the edge answers 502 itself.
 */
import { resolve } from 'node:path';
import { PorticoError } from '../shared/errors.js';
import { publishEvent } from '../shared/events.js';
import { assertApiFolder, assertAppSettings } from './_app-folder.js';
import { type Backoff, createBackoff } from './_backoff.js';
import { startHealthMonitor } from './_health.js';
import { postJson } from './_http.js';
import { formatUrl, reservePort } from './_port.js';
import type { ReadyMessage } from './_protocol.js';
import { type ApiWatcher, watchApiFolder } from './_watch.js';
import { describeExit, spawnWorker, type WorkerExit, type WorkerProcess } from './_worker-process.js';
import { DEFAULT_HOST, DEFAULT_MAX_MEMORY_MB, DEFAULT_TIMINGS } from './constants.js';
import { createSandbox } from './sandbox/launch.js';
import type { WorkerLaunch } from './sandbox/types.js';
import { defaultWorkerPath } from './sandbox/worker-files.js';
import { buildWorkerEnv, readLocalSettings } from './settings.js';
import type { FunctionsHost, FunctionsHostInfo, FunctionsHostOptions, HostTimings } from './types.js';

/** One worker and what the supervisor tracks about it. */
interface RunningWorker {
  readonly process: WorkerProcess;
  /** When it sent `ready` (0 while loading). */
  readyAt: number;
  stopHealth: () => void;
  /** Killed by the supervisor after failed health checks (so its exit is a fault, not a stop). */
  unhealthy: boolean;
  exited: boolean;
}

type HostState = 'new' | 'running' | 'closed';

/**
 * Creates the supervisor of the API app in `options.apiDir`; nothing runs until `start()`.
 * @example
 * const host = createFunctionsHost({ apiDir: 'api', useLocalSettings: true, watch: true, logger });
 * const { url, functions } = await host.start();
 */
export function createFunctionsHost(options: FunctionsHostOptions): FunctionsHost {
  return new FunctionsHostSupervisor(options);
}

class FunctionsHostSupervisor implements FunctionsHost {
  readonly #options: FunctionsHostOptions;
  readonly #timings: HostTimings;
  readonly #apiDir: string;
  readonly #host: string;
  readonly #backoff: Backoff;
  #port = 0;
  #state: HostState = 'new';
  #current: RunningWorker | undefined;
  #queue: Promise<unknown> = Promise.resolve();
  #retryTimer: NodeJS.Timeout | undefined;
  #watcher: ApiWatcher | undefined;
  #closing: Promise<void> | undefined;
  /** Local settings skipped in favour of the real environment are reported on the first launch only. */
  #skipsReported = false;
  /** Why the app cannot load now (the last relaunch failed); cleared by a change or a good launch. */
  #failure: unknown;
  /** Callers of {@link whenReady} waiting for the worker that replaces a crashed one. */
  #waiters: { resolve: () => void; reject: (error: unknown) => void }[] = [];
  /** Whether a worker of this host was ever ready: the first start is cold, later ones restarts. */
  #everReady = false;
  /** Kills the worker synchronously when the parent exits, however it exits. */
  readonly #killOnExit = (): void => this.#current?.process.kill();

  constructor(options: FunctionsHostOptions) {
    this.#options = options;
    this.#timings = { ...DEFAULT_TIMINGS, ...options.timings };
    this.#apiDir = resolve(options.apiDir);
    this.#host = options.host ?? DEFAULT_HOST;
    this.#backoff = createBackoff({
      initialMs: this.#timings.backoffInitialMs,
      maxMs: this.#timings.backoffMaxMs,
      resetAfterMs: this.#timings.backoffResetMs,
    });
  }

  get url(): string {
    if (this.#port === 0) {
      throw new PorticoError('FUNCTIONS_UNAVAILABLE', 'the functions host has not been started');
    }
    return formatUrl(this.#host, this.#port);
  }

  async start(): Promise<FunctionsHostInfo> {
    if (this.#state !== 'new') {
      throw new PorticoError('FUNCTIONS_UNAVAILABLE', 'a functions host can be started only once');
    }
    this.#state = 'running';
    process.on('exit', this.#killOnExit);
    try {
      return await this.#firstStart();
    } catch (error) {
      await this.close();
      throw error;
    }
  }

  async restart(): Promise<void> {
    if (this.#state !== 'running') {
      throw new PorticoError('FUNCTIONS_UNAVAILABLE', 'the functions host is not running');
    }
    this.#cancelRetry();
    this.#backoff.reset();
    this.#failure = undefined;
    await this.#serialize(() => this.#replace()).catch((error: unknown) => {
      this.#failure = error;
      this.#settleWaiters(error);
      throw error;
    });
  }

  close(): Promise<void> {
    this.#closing ??= this.#shutDown();
    return this.#closing;
  }

  async invoke(path: string, body: unknown): Promise<{ status: number; body: string }> {
    if (this.#current === undefined || this.#current.readyAt === 0) {
      throw new PorticoError(
        'FUNCTIONS_UNAVAILABLE',
        'the API worker is not running (restarting or failed to load)',
      );
    }
    return postJson(this.url, path, body, this.#timings.invokeTimeoutMs);
  }

  whenReady(): Promise<void> {
    if (this.#state === 'closed') {
      return Promise.reject(new PorticoError('FUNCTIONS_UNAVAILABLE', 'the functions host was closed'));
    }
    if (this.#current !== undefined && this.#current.readyAt > 0 && !this.#current.exited) {
      return Promise.resolve();
    }
    if (this.#failure !== undefined) {
      return Promise.reject(this.#failure);
    }
    return new Promise((resolve, reject) => {
      this.#waiters.push({ resolve, reject });
    });
  }

  /** Settles every {@link whenReady} waiting: with the error when given, else as ready. */
  #settleWaiters(error?: unknown): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const waiter of waiters) {
      if (error === undefined) {
        waiter.resolve();
      } else {
        waiter.reject(error);
      }
    }
  }

  async #firstStart(): Promise<FunctionsHostInfo> {
    await assertApiFolder(this.#apiDir);
    assertAppSettings(this.#options.appSettings);
    this.#port = await reservePort(this.#host, this.#options.port ?? 0);
    const info = await this.#serialize(() => this.#launchOnFreePort());
    if (this.#options.watch === true) {
      this.#watcher = watchApiFolder({
        root: this.#apiDir,
        debounceMs: this.#timings.watchDebounceMs,
        onChange: () => this.#onFilesChanged(),
        logger: this.#options.logger,
      });
      await this.#watcher.ready;
    }
    return info;
  }

  async #shutDown(): Promise<void> {
    this.#state = 'closed';
    this.#settleWaiters(new PorticoError('FUNCTIONS_UNAVAILABLE', 'the functions host was closed'));
    this.#cancelRetry();
    this.#watcher?.close();
    await this.#stopCurrent();
    await this.#queue;
    await this.#stopCurrent();
    process.off('exit', this.#killOnExit);
  }

  /** Runs `task` after every task queued before it, so two workers never start at once. */
  #serialize<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(task);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #replace(): Promise<FunctionsHostInfo> {
    await this.#stopCurrent();
    return this.#launch();
  }

  async #stopCurrent(): Promise<void> {
    const running = this.#current;
    if (running !== undefined) {
      running.stopHealth();
      await running.process.stop(this.#timings.stopGraceMs);
      if (this.#current === running) {
        this.#current = undefined;
      }
    }
  }

  /**
   * The first launch. A port picked by the system is only free when it is picked: another process may
   * take it before the worker binds it. Then, and only for a picked port, a new one is picked and the
   * launch retried (twice at most); a port the user chose is never changed.
   */
  async #launchOnFreePort(): Promise<FunctionsHostInfo> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.#launch();
      } catch (error) {
        const picked = (this.#options.port ?? 0) === 0;
        if (!picked || attempt >= 3 || !isAddressInUse(error)) {
          throw error;
        }
        this.#port = await reservePort(this.#host, 0);
      }
    }
  }

  /** Spawns a worker and waits for `ready`; a worker that fails to load is stopped before rejecting. */
  async #launch(): Promise<FunctionsHostInfo> {
    const launch = await this.#prepare(await this.#workerEnv());
    if (this.#state === 'closed') {
      await launch.cleanup();
      throw new PorticoError('FUNCTIONS_UNAVAILABLE', 'the functions host was closed');
    }
    const running = this.#spawn(launch);
    try {
      const ready = await running.process.ready;
      running.readyAt = Date.now();
      publishEvent('functions', () => ({ event: this.#everReady ? 'restart' : 'cold-start' }));
      this.#everReady = true;
      if (!running.exited) {
        running.stopHealth = this.#monitor(running);
        this.#failure = undefined;
        this.#settleWaiters();
      }
      return this.#infoOf(ready);
    } catch (error) {
      await running.process.stop(this.#timings.stopGraceMs);
      throw error;
    }
  }

  /** The worker's command line, wrapped by the sandbox (with its private temp folder). */
  #prepare(env: Record<string, string>): Promise<WorkerLaunch> {
    // No sandbox given: `--sandbox none`, the worker runs as the server does (`portico start`'s default).
    const sandbox = this.#options.sandbox ?? createSandbox({ nodePermission: false, hidden: [] });
    return sandbox.prepare({
      workerPath: this.#options.workerPath ?? defaultWorkerPath(),
      nodeArgs: [`--max-old-space-size=${this.#maxMemoryMb()}`],
      config: { appDir: this.#apiDir, port: this.#port, host: this.#host, routePrefixRequired: 'api' },
      env,
      identity: this.#options.sandboxIdentity ?? this.#apiDir,
    });
  }

  #spawn(launch: WorkerLaunch): RunningWorker {
    const worker = spawnWorker({
      launch,
      appDir: this.#apiDir,
      readyTimeoutMs: this.#timings.readyTimeoutMs,
      logger: this.#options.logger,
    });
    const running: RunningWorker = {
      process: worker,
      readyAt: 0,
      stopHealth: () => {},
      unhealthy: false,
      exited: false,
    };
    this.#current = running;
    void worker.exited.then((exit) => this.#onExit(running, exit));
    return running;
  }

  async #workerEnv(): Promise<Record<string, string>> {
    const { logger } = this.#options;
    const local = this.#options.useLocalSettings === true ? await readLocalSettings(this.#apiDir) : undefined;
    for (const warning of local?.warnings ?? []) {
      logger.warn(`functions: ${warning}`);
    }
    const env = buildWorkerEnv({
      base: this.#options.baseEnv ?? process.env,
      appSettings: this.#options.appSettings,
      localSettings: local?.values,
      logger: this.#skipsReported ? undefined : logger,
    });
    this.#skipsReported = true;
    return env;
  }

  #monitor(running: RunningWorker): () => void {
    return startHealthMonitor({
      url: this.url,
      intervalMs: this.#timings.healthIntervalMs,
      timeoutMs: this.#timings.healthTimeoutMs,
      maxFailures: this.#timings.healthFailures,
      onUnhealthy: (failures) => {
        if (this.#current === running) {
          running.unhealthy = true;
          this.#options.logger.warn(
            `functions: the API worker failed ${failures} health checks in a row (hung?); killing it`,
          );
          running.process.kill();
        }
      },
    });
  }

  /** A worker ended: if it was serving and nobody asked it to stop, schedule its replacement. */
  #onExit(running: RunningWorker, exit: WorkerExit): void {
    running.exited = true;
    running.stopHealth();
    if (this.#current !== running) {
      return;
    }
    this.#current = undefined;
    const expected = running.process.stopping && !running.unhealthy;
    if (this.#state !== 'running' || running.readyAt === 0 || expected) {
      return;
    }
    publishEvent('functions', () => ({ event: 'crash' }));
    const delay = this.#backoff.next(Date.now() - running.readyAt);
    this.#options.logger.warn(
      `functions: the API worker ${this.#describeCrash(running, exit)}; restarting in ${delay} ms`,
    );
    this.#scheduleRetry(delay);
  }

  #describeCrash(running: RunningWorker, exit: WorkerExit): string {
    if (running.unhealthy) {
      return 'stopped answering and was killed';
    }
    const outOfMemory = exit.signal === 'SIGABRT' || exit.code === 134;
    const hint = outOfMemory ? ` (out of memory? its heap limit is ${this.#maxMemoryMb()} MB)` : '';
    return `${describeExit(exit)} unexpectedly${hint}`;
  }

  #scheduleRetry(delay: number): void {
    this.#cancelRetry();
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      this.#relaunch();
    }, delay);
  }

  #cancelRetry(): void {
    clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
  }

  #onFilesChanged(): void {
    if (this.#state !== 'running') {
      return;
    }
    this.#options.logger.info('functions: API changed, restarting');
    this.#failure = undefined;
    this.#cancelRetry();
    this.#backoff.reset();
    this.#relaunch();
  }

  /** Replaces the worker in the background; failures are logged, then retried (see {@link #onRelaunchFailed}). */
  #relaunch(): void {
    void this.#serialize(() => this.#replace()).then(
      (info) => this.#onRelaunched(info),
      (error: unknown) => this.#onRelaunchFailed(error),
    );
  }

  #onRelaunched(info: FunctionsHostInfo): void {
    const { logger } = this.#options;
    logger.info(`functions: API ready again at ${info.url} (${info.functions.length} functions)`);
    for (const warning of info.warnings) {
      logger.warn(`functions: ${warning}`);
    }
  }

  /** In watch mode the next change retries (a load error needs an edit); otherwise back off and retry. */
  #onRelaunchFailed(error: unknown): void {
    if (this.#state !== 'running') {
      return;
    }
    const { logger } = this.#options;
    logger.error(`functions: ${error instanceof Error ? error.message : String(error)}`);
    this.#failure = error;
    this.#settleWaiters(error);
    if (this.#options.watch === true) {
      logger.info(`functions: waiting for changes in ${this.#apiDir} to try again`);
      return;
    }
    const delay = this.#backoff.next(0);
    logger.info(`functions: trying again in ${delay} ms`);
    this.#scheduleRetry(delay);
  }

  #infoOf(ready: ReadyMessage): FunctionsHostInfo {
    return { url: this.url, functions: ready.functions, warnings: ready.warnings };
  }

  #maxMemoryMb(): number {
    return this.#options.maxMemoryMb ?? DEFAULT_MAX_MEMORY_MB;
  }
}

/** True for a worker that could not bind its port because another process holds it. */
function isAddressInUse(error: unknown): boolean {
  return (
    error instanceof PorticoError &&
    error.code === 'FUNCTIONS_LISTEN_FAILED' &&
    error.message.includes('EADDRINUSE')
  );
}
