/**
 * The functions-host supervisor (spec §1, §12): runs one API app in FUNCTIONS_WORKER_PROCESS_COUNT worker
 * child processes (default 1) behind one loopback port that it holds itself and whose connections it hands
 * to the workers in turn (`_listener.ts`, decision 0029). It restarts each worker on its own after a crash
 * (with back-off) or failed health checks while the others keep serving, replaces them all after file
 * changes in dev and on `restart()`, and never leaves one behind when the parent goes away. While no
 * worker is ready, new connections wait for the next one; when none can load, they are closed.
 */
import { tmpdir } from 'node:os';
import { resolve } from 'node:path';
import { countOf } from '../shared/count.js';
import { PorticoError } from '../shared/errors.js';
import { publishEvent } from '../shared/events.js';
import { type FolderWatcher, watchFolderTree } from '../shared/folder-watch.js';
import { errorMessage } from '../shared/guards.js';
import { assertApiFolder, assertAppSettings } from './_app-folder.js';
import { type Backoff, createBackoff } from './_backoff.js';
import { addExitHook, removeExitHook } from './_exit-hooks.js';
import { startHealthMonitor } from './_health.js';
import { postJson } from './_http.js';
import { type ConnectionListener, openListener } from './_listener.js';
import { residentLimitMegabytes, residentMegabytes } from './_memory.js';
import { formatUrl } from './_port.js';
import type { ReadyMessage } from './_protocol.js';
import { createSocketDir, type SocketDir } from './_socket-dir.js';
import { canServe, createStandby, type Standby } from './_standby.js';
import {
  describeExit,
  describeViolation,
  spawnWorker,
  type WorkerExit,
  type WorkerProcess,
} from './_worker-process.js';
import { DEFAULT_HOST, DEFAULT_MAX_MEMORY_MB, DEFAULT_TIMINGS } from './constants.js';
import { describeFunctions } from './describe.js';
import { type ApiDispatcher, createFrameDispatcher } from './frame-dispatcher.js';
import {
  checkNodeArguments,
  describeNodeArguments,
  NO_NODE_ARGUMENTS,
  NODE_ARGUMENTS_SETTING,
  type NodeArguments,
  readNodeArguments,
  warnOfInspectorInNodeOptions,
} from './node-arguments.js';
import {
  MAX_WORKER_PROCESSES,
  MIN_WORKER_PROCESSES,
  parseProcessCount,
  problemOfProcessCount,
  WORKER_PROCESS_COUNT_SETTING,
} from './process-count.js';
import { createSandbox } from './sandbox/launch.js';
import type { WorkerLaunch } from './sandbox/types.js';
import { defaultWorkerPath } from './sandbox/worker-files.js';
import { buildWorkerEnv, readLocalSettings } from './settings.js';
import type { FunctionsHost, FunctionsHostInfo, FunctionsHostOptions, HostTimings } from './types.js';
import { youngGenerationArgs } from './young-generation.js';

/** One worker and what the supervisor tracks about it. */
interface RunningWorker {
  readonly process: WorkerProcess;
  readonly slot: Slot;
  /** When it sent `ready` (0 while loading). */
  readyAt: number;
  stopHealth: () => void;
  /** Killed by the supervisor after failed health checks (so its exit is a fault, not a stop). */
  unhealthy: boolean;
  /** Killed by the supervisor for using more memory than its limit (a fault too). */
  overMemory: boolean;
  /** Stopped by the supervisor because its private network went (how slirp4netns ended; a fault too). */
  networkLost: string | undefined;
  exited: boolean;
}

/** One of the app's worker places: after a crash it is filled again on its own, with its own back-off. */
interface Slot {
  readonly index: number;
  readonly backoff: Backoff;
  worker: RunningWorker | undefined;
  retryTimer: NodeJS.Timeout | undefined;
}

type HostState = 'new' | 'running' | 'closed';

/** Frame connections the edge keeps per worker process: enough to spread over them, few enough to batch. */
const CONNECTIONS_PER_WORKER = 2;

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
  #listener: ConnectionListener | undefined;
  #socketDir: SocketDir | undefined;
  #slots: Slot[] = [];
  #state: HostState = 'new';
  #queue: Promise<unknown> = Promise.resolve();
  #watcher: FolderWatcher | undefined;
  #closing: Promise<void> | undefined;
  /** Local settings skipped in favour of the real environment are reported on the first launch only. */
  #skipsReported = false;
  /** Why the app cannot load now (the last relaunch failed); cleared by a change or a good launch. */
  #failure: unknown;
  /** Callers of {@link whenReady} waiting for the worker that replaces a crashed one. */
  #waiters: { resolve: () => void; reject: (error: unknown) => void }[] = [];
  /** Whether a worker of this host was ever ready: the first start is cold, later ones restarts. */
  #everReady = false;
  /** The app streams HTTP bodies, as its last ready worker said (the edge then uses HTTP, not frames). */
  #streaming = false;
  /** The Node.js options last reported as the worker's (`languageWorkers__node__arguments`). */
  #nodeArgsReported = '';
  /** An inspector in NODE_OPTIONS is pointed out once. */
  #nodeOptionsReported = false;
  /** The functions as the start listed them (its caller prints them), then as the last reload did. */
  #listed = '';
  /** Why the last worker stopped for a fault, until its slot's next worker is ready ({@link stopCause}). */
  #lastStop: { readonly slot: Slot; readonly cause: string } | undefined;
  /** {@link FunctionsHostOptions.onFirstSpawn}, until it has been called. */
  #onFirstSpawn: (() => void) | undefined;
  /** The next worker, booted at the first change of a burst (decision 0056); taken or stopped at its end. */
  #standby: Promise<Standby | undefined> | undefined;
  /** That worker's process once spawned, for the synchronous kill when the parent exits. */
  #standbyProcess: WorkerProcess | undefined;
  /** Kills the workers synchronously when the parent exits, however it exits. */
  readonly #killOnExit = (): void => {
    for (const slot of this.#slots) {
      slot.worker?.process.kill();
    }
    this.#standbyProcess?.kill();
    this.#socketDir?.removeNow();
  };

  constructor(options: FunctionsHostOptions) {
    this.#options = options;
    this.#timings = { ...DEFAULT_TIMINGS, ...options.timings };
    this.#apiDir = resolve(options.apiDir);
    this.#host = options.host ?? DEFAULT_HOST;
    this.#onFirstSpawn = options.onFirstSpawn;
  }

  get url(): string {
    if (this.#listener === undefined) {
      throw new PorticoError('FUNCTIONS_UNAVAILABLE', 'the functions host has not been started');
    }
    return formatUrl(this.#host, this.#listener.port);
  }

  get socketPath(): string | undefined {
    return this.#state === 'closed' ? undefined : this.#listener?.socketPath;
  }

  createDispatcher(): ApiDispatcher | undefined {
    const frameSocketPath = this.#listener?.frameSocketPath;
    const httpSocketPath = this.#listener?.socketPath;
    if (this.#state !== 'running' || frameSocketPath === undefined || httpSocketPath === undefined) {
      return undefined;
    }
    return createFrameDispatcher({
      frameSocketPath,
      httpSocketPath,
      origin: this.url,
      streaming: () => this.#streaming,
      maxConnections: () => CONNECTIONS_PER_WORKER * Math.max(1, this.#slots.length),
      ...(this.#options.requestBodies === undefined ? {} : { requestBodies: this.#options.requestBodies }),
    });
  }

  async start(): Promise<FunctionsHostInfo> {
    if (this.#state !== 'new') {
      throw new PorticoError('FUNCTIONS_UNAVAILABLE', 'a functions host can be started only once');
    }
    this.#state = 'running';
    addExitHook(this.#killOnExit);
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
    this.#forgetFaults();
    await this.#serialize(() => this.#replaceAll()).catch((error: unknown) => {
      this.#markFailed(error);
      throw error;
    });
  }

  close(): Promise<void> {
    this.#closing ??= this.#shutDown();
    return this.#closing;
  }

  async invoke(path: string, body: unknown): Promise<{ status: number; body: string }> {
    if (!this.#hasReadyWorker()) {
      throw new PorticoError(
        'FUNCTIONS_UNAVAILABLE',
        'the API worker is not running (restarting or failed to load)',
      );
    }
    return postJson(this.url, path, body, this.#timings.invokeTimeoutMs, this.socketPath);
  }

  stopCause(): string | undefined {
    return this.#lastStop?.cause;
  }

  whenReady(): Promise<void> {
    if (this.#state === 'closed') {
      return Promise.reject(new PorticoError('FUNCTIONS_UNAVAILABLE', 'the functions host was closed'));
    }
    if (this.#hasReadyWorker()) {
      return Promise.resolve();
    }
    if (this.#failure !== undefined) {
      return Promise.reject(this.#failure);
    }
    return new Promise((resolve, reject) => {
      this.#waiters.push({ resolve, reject });
    });
  }

  #hasReadyWorker(): boolean {
    return this.#slots.some(
      (slot) => slot.worker !== undefined && slot.worker.readyAt > 0 && !slot.worker.exited,
    );
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

  /** No worker will come until something changes: callers and waiting connections learn it at once. */
  #markFailed(error: unknown): void {
    this.#failure = error;
    this.#settleWaiters(error);
    this.#listener?.dropWaiting();
  }

  async #firstStart(): Promise<FunctionsHostInfo> {
    await assertApiFolder(this.#apiDir);
    assertAppSettings(this.#options.appSettings);
    this.#socketDir = await createSocketDir();
    const dir = this.#socketDir;
    const sockets = dir === undefined ? undefined : { http: dir.socketPath, frames: dir.frameSocketPath };
    const tcp = this.#options.listenTcp !== false;
    if (!tcp && sockets === undefined) {
      throw new PorticoError(
        'FUNCTIONS_LISTEN_FAILED',
        `the API needs a Unix socket, and none can be made under ${tmpdir()} (the path is too long, or the system has none); set TMPDIR to a short folder such as /tmp.`,
      );
    }
    this.#listener = await openListener(this.#host, tcp ? (this.#options.port ?? 0) : undefined, sockets);
    const info = await this.#serialize(() => this.#replaceAll());
    this.#listed = describeFunctions(info.functions);
    if (info.workerProcesses > 1) {
      this.#options.logger.info(
        `functions: ${info.workerProcesses} worker processes (${WORKER_PROCESS_COUNT_SETTING})`,
      );
    }
    if (this.#options.watch === true) {
      this.#watcher = watchFolderTree({
        root: this.#apiDir,
        delayMs: this.#timings.watchDebounceMs,
        onBurstStart: () => this.#bootStandby(),
        onSettled: () => this.#onFilesChanged(),
        ...(this.#options.ignoreChanges === undefined ? {} : { ignoreFile: this.#options.ignoreChanges }),
        logger: this.#options.logger,
      });
      await this.#watcher.ready;
    }
    return info;
  }

  async #shutDown(): Promise<void> {
    this.#state = 'closed';
    this.#settleWaiters(new PorticoError('FUNCTIONS_UNAVAILABLE', 'the functions host was closed'));
    this.#watcher?.close();
    await Promise.all([this.#stopAll(), this.#takeStandby(undefined)]);
    await this.#queue;
    await this.#stopAll();
    await this.#listener?.close();
    await this.#socketDir?.remove();
    removeExitHook(this.#killOnExit);
  }

  /** Runs `task` after every task queued before it, so launches and replacements never overlap. */
  #serialize<T>(task: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(task);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /**
   * Stops every worker, then starts as many as FUNCTIONS_WORKER_PROCESS_COUNT says, side by side, and
   * waits until all are ready. If one cannot load, all are stopped and its error is thrown.
   */
  async #replaceAll(): Promise<FunctionsHostInfo> {
    await this.#stopAll();
    const env = await this.#workerEnv();
    const standby = await this.#takeStandby(env);
    this.#slots = Array.from({ length: processCountOf(env) }, (_, index) => this.#createSlot(index));
    const launches = await Promise.allSettled(
      this.#slots.map((slot, index) => this.#launch(slot, env, index === 0 ? standby : undefined)),
    );
    const failed = launches.find((launch) => launch.status === 'rejected');
    const first = launches[0];
    if (failed !== undefined || first?.status !== 'fulfilled') {
      await this.#stopAll();
      throw failed?.reason;
    }
    this.#failure = undefined;
    this.#settleWaiters();
    return this.#infoOf(first.value);
  }

  #createSlot(index: number): Slot {
    const backoff = createBackoff({
      initialMs: this.#timings.backoffInitialMs,
      maxMs: this.#timings.backoffMaxMs,
      resetAfterMs: this.#timings.backoffResetMs,
    });
    return { index, backoff, worker: undefined, retryTimer: undefined };
  }

  async #stopAll(): Promise<void> {
    for (const slot of this.#slots) {
      cancelRetry(slot);
    }
    await Promise.all(this.#slots.map((slot) => this.#stopWorker(slot)));
  }

  async #stopWorker(slot: Slot): Promise<void> {
    const running = slot.worker;
    if (running !== undefined) {
      running.stopHealth();
      this.#listener?.remove(running.process);
      await running.process.stop(this.#timings.stopGraceMs);
      if (slot.worker === running) {
        slot.worker = undefined;
      }
    }
  }

  /**
   * Spawns a worker into `slot` (or puts `standby` there and tells it to load the app) and waits for
   * `ready`; a worker that fails to load is stopped before rejecting.
   */
  async #launch(slot: Slot, env: Record<string, string>, standby?: WorkerProcess): Promise<ReadyMessage> {
    const node = this.#nodeArgumentsOf(env);
    const running =
      standby === undefined ? await this.#spawnInto(slot, env, node) : this.#attach(slot, standby);
    standby?.load();
    try {
      const ready = await running.process.ready;
      running.readyAt = Date.now();
      if (this.#lastStop?.slot === slot) {
        this.#lastStop = undefined;
      }
      this.#streaming = ready.streaming;
      publishEvent('functions', () => ({ event: this.#everReady ? 'restart' : 'cold-start' }));
      this.#everReady = true;
      if (!running.exited) {
        // A worker that a debugger may pause cannot answer health checks while it is paused.
        running.stopHealth = node.debugging ? () => {} : this.#monitor(running);
        this.#listener?.add(running.process);
      }
      return ready;
    } catch (error) {
      await running.process.stop(this.#timings.stopGraceMs);
      throw error;
    }
  }

  async #spawnInto(slot: Slot, env: Record<string, string>, node: NodeArguments): Promise<RunningWorker> {
    const launch = await this.#prepare(env, node);
    if (this.#state === 'closed') {
      await launch.cleanup();
      throw new PorticoError('FUNCTIONS_UNAVAILABLE', 'the functions host was closed');
    }
    return this.#attach(slot, this.#spawn(launch, node));
  }

  /**
   * The Node.js options `env` gives the worker (decision 0057): none unless the host was told to honour
   * them, and an error when a sandbox was asked for, as the options could undo it.
   */
  #nodeArgumentsOf(env: Record<string, string>): NodeArguments {
    if (this.#options.nodeArgumentsFromSettings !== true) {
      return NO_NODE_ARGUMENTS;
    }
    const given = this.#options.nodeArguments;
    const node =
      given === undefined
        ? readNodeArguments(env)
        : checkNodeArguments(given, '--func-args (--language-worker)');
    if (node.args.length > 0 && this.#options.sandbox !== undefined) {
      throw new PorticoError(
        'FUNCTIONS_INVALID_SETTINGS',
        `${NODE_ARGUMENTS_SETTING} cannot be used with --sandbox: Node.js options could undo the sandbox, and its permission model refuses the inspector. Start without --sandbox to debug the API, or remove the setting.`,
      );
    }
    return node;
  }

  /** The worker's command line, wrapped by the sandbox (with its private temp folder). */
  #prepare(env: Record<string, string>, node: NodeArguments, waitForLoad = false): Promise<WorkerLaunch> {
    // No sandbox given: `--sandbox none`, the worker runs as the server does (`portico start`'s default).
    const sandbox = this.#options.sandbox ?? createSandbox({ nodePermission: false, hidden: [] });
    return sandbox.prepare({
      workerPath: this.#options.workerPath ?? defaultWorkerPath(),
      // The app's own options come last, so that one of them wins over Portico's heap limit.
      nodeArgs: [
        `--max-old-space-size=${this.#maxMemoryMb()}`,
        ...youngGenerationArgs({
          deployed: this.#options.deployed === true,
          heapLimitMb: this.#maxMemoryMb(),
          env,
          appArgs: node.args,
        }),
        ...node.args,
      ],
      config: {
        appDir: this.#apiDir,
        port: 0,
        host: this.#host,
        routePrefixRequired: 'api',
        deployed: this.#options.deployed === true,
        connections: 'parent',
        waitForLoad,
      },
      env,
      identity: this.#options.sandboxIdentity ?? this.#apiDir,
    });
  }

  #spawn(launch: WorkerLaunch, node: NodeArguments): WorkerProcess {
    return spawnWorker({
      launch,
      appDir: this.#apiDir,
      // A debugger may pause the app while it loads (`--inspect-brk`, or a breakpoint in top-level code).
      readyTimeoutMs: node.debugging ? undefined : this.#timings.readyTimeoutMs,
      logger: this.#options.logger,
    });
  }

  /** Makes `worker` the one of `slot`: its exit is then a stop or a fault of that slot. */
  #attach(slot: Slot, worker: WorkerProcess): RunningWorker {
    const running: RunningWorker = {
      process: worker,
      slot,
      readyAt: 0,
      stopHealth: () => {},
      unhealthy: false,
      overMemory: false,
      networkLost: undefined,
      exited: false,
    };
    slot.worker = running;
    void worker.exited.then((exit) => this.#onExit(running, exit));
    void worker.networkLost.then((how) => this.#onNetworkLost(running, how));
    const onFirstSpawn = this.#onFirstSpawn;
    this.#onFirstSpawn = undefined;
    onFirstSpawn?.();
    return running;
  }

  /** The next worker's environment; `quiet` (a standby's) leaves the warnings to the launch that follows. */
  async #workerEnv(quiet = false): Promise<Record<string, string>> {
    const { logger } = this.#options;
    const local = this.#options.useLocalSettings === true ? await readLocalSettings(this.#apiDir) : undefined;
    for (const warning of quiet ? [] : (local?.warnings ?? [])) {
      logger.warn(`functions: ${warning}`);
    }
    const env = buildWorkerEnv({
      base: this.#options.baseEnv ?? process.env,
      appSettings: this.#options.appSettings,
      localSettings: local?.values,
      logger: quiet || this.#skipsReported ? undefined : logger,
    });
    this.#skipsReported ||= !quiet;
    if (!quiet) {
      this.#reportNodeArguments(env);
    }
    return env;
  }

  /** Says once which Node.js options the worker runs with, and again when they change. */
  #reportNodeArguments(env: Record<string, string>): void {
    if (this.#options.nodeArgumentsFromSettings !== true) {
      return;
    }
    const nodeOptions = this.#nodeOptionsReported ? undefined : warnOfInspectorInNodeOptions(env);
    if (nodeOptions !== undefined) {
      this.#nodeOptionsReported = true;
      this.#options.logger.warn(nodeOptions);
    }
    let node: NodeArguments;
    try {
      node = this.#nodeArgumentsOf(env);
    } catch {
      return; // the launch reports it
    }
    const shown = node.args.join(' ');
    if (shown !== this.#nodeArgsReported) {
      this.#nodeArgsReported = shown;
      const source = this.#options.nodeArguments === undefined ? undefined : '--func-args --language-worker';
      this.#options.logger.info(describeNodeArguments(node, processCountOf(env), source));
    }
  }

  /**
   * At the first change of a burst, boots the next worker, told to wait for `load` (decision 0056): Node
   * starts while the files settle. Not while one boots already, nor for an app of several workers.
   */
  #bootStandby(): void {
    if (this.#state !== 'running' || this.#standby !== undefined || this.#slots.length !== 1) {
      return;
    }
    // A standby that cannot start is no loss: the launch that follows starts a worker as before.
    this.#standby = this.#spawnStandby().catch(() => undefined);
  }

  async #spawnStandby(): Promise<Standby | undefined> {
    const env = await this.#workerEnv(true);
    const node = this.#nodeArgumentsOf(env);
    // A debugged worker holds its inspector port until it exits: a second one could not listen beside it.
    if (this.#state !== 'running' || processCountOf(env) !== 1 || node.debugging) {
      return undefined;
    }
    const launch = await this.#prepare(env, node, true);
    if (this.#state !== 'running') {
      await launch.cleanup();
      return undefined;
    }
    const worker = this.#spawn(launch, node);
    this.#standbyProcess = worker;
    return createStandby(worker, env);
  }

  /**
   * The standby's process when it may serve a launch with `env` (same environment, one worker, still
   * running, time left to load); any other standby is stopped, and so is every one when `env` is undefined.
   */
  async #takeStandby(env: Record<string, string> | undefined): Promise<WorkerProcess | undefined> {
    const pending = this.#standby;
    this.#standby = undefined;
    const standby = await pending;
    if (standby === undefined) {
      return undefined;
    }
    if (this.#standbyProcess === standby.process) {
      this.#standbyProcess = undefined;
    }
    // A standby is booted only for one worker, so the same environment means one worker still.
    const serves =
      env !== undefined && this.#state === 'running' && canServe(standby, env, this.#timings.readyTimeoutMs);
    if (serves) {
      return standby.process;
    }
    await standby.process.stop(this.#timings.stopGraceMs);
    return undefined;
  }

  #monitor(running: RunningWorker): () => void {
    return startHealthMonitor({
      check: async (timeoutMs) => {
        const answered = await running.process.ping(timeoutMs);
        this.#checkMemory(running);
        return answered;
      },
      intervalMs: this.#timings.healthIntervalMs,
      timeoutMs: this.#timings.healthTimeoutMs,
      maxFailures: this.#timings.healthFailures,
      onUnhealthy: (failures) => {
        if (running.slot.worker === running) {
          running.unhealthy = true;
          this.#options.logger.warn(
            `functions: ${this.#label(running.slot)} failed ${failures} health checks in a row (hung?); killing it`,
          );
          this.#lastStop = {
            slot: running.slot,
            cause: `${this.#label(running.slot)} was killed after failing ${failures} health checks in a row: a function blocked its event loop`,
          };
          running.process.kill();
        }
      },
    });
  }

  /** Kills a worker whose resident memory is over its limit (buffers outside the heap limit, `_memory.ts`). */
  #checkMemory(running: RunningWorker): void {
    const used = residentMegabytes(running.process.pid);
    const limit = residentLimitMegabytes(this.#maxMemoryMb());
    if (used === undefined || used <= limit || running.slot.worker !== running || running.overMemory) {
      return;
    }
    running.overMemory = true;
    this.#options.logger.warn(
      `functions: ${this.#label(running.slot)} uses ${Math.round(used)} MB of memory, over its limit of ${limit} MB (twice its heap limit of ${this.#maxMemoryMb()} MB, plus 256 MB); killing it`,
    );
    this.#lastStop = {
      slot: running.slot,
      cause: `${this.#label(running.slot)} was killed for using ${Math.round(used)} MB of memory, over its limit of ${limit} MB`,
    };
    running.process.kill();
  }

  /**
   * A worker's slirp4netns ended (decision 0076): the worker has no outbound network left, so it is
   * stopped and, like a crashed one, replaced by a worker with a network of its own.
   */
  #onNetworkLost(running: RunningWorker, how: string): void {
    if (running.slot.worker !== running || running.exited) {
      return;
    }
    running.networkLost = how;
    this.#lastStop = {
      slot: running.slot,
      cause: `${this.#label(running.slot)} was stopped because its private network went (slirp4netns ended: ${how})`,
    };
    this.#options.logger.warn(
      `functions: the private network of ${this.#label(running.slot)} went (slirp4netns ended: ${how}); stopping the worker`,
    );
    void running.process.stop(this.#timings.stopGraceMs);
  }

  /** A worker ended: if it was serving and nobody asked it to stop, schedule its replacement (only its own). */
  #onExit(running: RunningWorker, exit: WorkerExit): void {
    running.exited = true;
    running.stopHealth();
    this.#listener?.remove(running.process);
    const { slot } = running;
    if (slot.worker !== running) {
      return;
    }
    slot.worker = undefined;
    const expected =
      running.process.stopping &&
      !running.unhealthy &&
      !running.overMemory &&
      running.networkLost === undefined;
    if (this.#state !== 'running' || running.readyAt === 0 || expected) {
      return;
    }
    publishEvent('functions', () => ({ event: 'crash' }));
    const delay = slot.backoff.next(Date.now() - running.readyAt);
    const crash = `${this.#label(slot)} ${this.#describeCrash(running, exit)}`;
    this.#options.logger.warn(`functions: ${crash}; restarting in ${delay} ms`);
    // A fault the supervisor acted on was recorded then, in more words than the exit can say.
    if (!running.unhealthy && !running.overMemory && running.networkLost === undefined) {
      this.#lastStop = { slot, cause: crash };
    }
    this.#scheduleRetry(slot, delay);
  }

  #describeCrash(running: RunningWorker, exit: WorkerExit): string {
    const violation = running.process.protocolViolation;
    if (violation !== undefined) {
      return describeViolation(violation);
    }
    if (running.unhealthy) {
      return 'stopped answering and was killed';
    }
    if (running.overMemory) {
      return 'used more memory than its limit and was killed';
    }
    if (running.networkLost !== undefined) {
      return 'was stopped without its private network';
    }
    const outOfMemory = exit.signal === 'SIGABRT' || exit.code === 134;
    const hint = outOfMemory ? ` (out of memory? its heap limit is ${this.#maxMemoryMb()} MB)` : '';
    return `${describeExit(exit)} unexpectedly${hint}`;
  }

  /** `the API worker` for one worker, `API worker 2 of 3` when there are several. */
  #label(slot: Slot): string {
    return this.#slots.length <= 1
      ? 'the API worker'
      : `API worker ${slot.index + 1} of ${this.#slots.length}`;
  }

  #scheduleRetry(slot: Slot, delay: number): void {
    cancelRetry(slot);
    slot.retryTimer = setTimeout(() => {
      slot.retryTimer = undefined;
      this.#refill(slot);
    }, delay);
  }

  /** Forgets crashes and failures after a deliberate restart or a change. */
  #forgetFaults(): void {
    for (const slot of this.#slots) {
      cancelRetry(slot);
      slot.backoff.reset();
    }
    this.#failure = undefined;
  }

  #onFilesChanged(): void {
    if (this.#state !== 'running') {
      return;
    }
    this.#options.logger.info('functions: API changed, restarting');
    this.#forgetFaults();
    void this.#serialize(() => this.#replaceAll()).then(
      (info) => this.#onRelaunched(info),
      (error: unknown) => this.#onRelaunchFailed(error, this.#slots),
    );
  }

  /** Starts a worker in the empty `slot` while the others keep serving; failures are logged, then retried. */
  #refill(slot: Slot): void {
    void this.#serialize(async () => {
      if (this.#state !== 'running' || !this.#slots.includes(slot) || slot.worker !== undefined) {
        return undefined;
      }
      const ready = await this.#launch(slot, await this.#workerEnv());
      this.#failure = undefined;
      this.#settleWaiters();
      this.#rebalance(slot);
      return this.#infoOf(ready);
    }).then(
      (info) => info !== undefined && this.#onRelaunched(info),
      (error: unknown) => this.#onRelaunchFailed(error, [slot]),
    );
  }

  /**
   * The edge's keep-alive connections all went to the other workers while `slot` was empty: they close
   * theirs after each one's next response, so the reconnections are handed out over every worker again.
   */
  #rebalance(refilled: Slot): void {
    for (const slot of this.#slots) {
      if (slot !== refilled) {
        slot.worker?.process.rebalance();
      }
    }
  }

  #onRelaunched(info: FunctionsHostInfo): void {
    const { logger } = this.#options;
    // Only where the host's URL is the one its users call (`portico functions start`): behind the edge
    // (`portico start`, `portico serve`) it is internal, and a call there skips the principal handling.
    const at = this.#options.reportUrl === true ? ` at ${info.url}` : '';
    logger.info(`functions: API ready again${at} (${countOf(info.functions.length, 'function')})`);
    // A reload that added, removed or re-routed a function lists them all again, as the start did.
    const listed = describeFunctions(info.functions);
    if (listed !== this.#listed) {
      this.#listed = listed;
      logger.info(`functions: the API's functions are now\n${listed.trimEnd()}`);
    }
    for (const warning of info.warnings) {
      logger.warn(`functions: ${warning}`);
    }
  }

  /**
   * In watch mode the next change retries (a load error needs an edit); otherwise back off and retry the
   * empty slots. Callers only hear of the failure when no worker is left to serve them.
   */
  #onRelaunchFailed(error: unknown, slots: readonly Slot[]): void {
    if (this.#state !== 'running') {
      return;
    }
    const { logger } = this.#options;
    logger.error(`functions: ${errorMessage(error)}`);
    if (!this.#hasReadyWorker()) {
      this.#markFailed(error);
    }
    if (this.#options.watch === true) {
      logger.info(`functions: waiting for changes in ${this.#apiDir} to try again`);
      return;
    }
    for (const slot of slots) {
      const delay = slot.backoff.next(0);
      logger.info(
        `functions: trying ${this.#slots.length <= 1 ? '' : `${this.#label(slot)} `}again in ${delay} ms`,
      );
      this.#scheduleRetry(slot, delay);
    }
  }

  #infoOf(ready: ReadyMessage): FunctionsHostInfo {
    return {
      url: this.url,
      ...(this.socketPath === undefined ? {} : { socketPath: this.socketPath }),
      functions: ready.functions,
      warnings: ready.warnings,
      workerProcesses: this.#slots.length,
    };
  }

  #maxMemoryMb(): number {
    return this.#options.maxMemoryMb ?? DEFAULT_MAX_MEMORY_MB;
  }
}

function cancelRetry(slot: Slot): void {
  clearTimeout(slot.retryTimer);
  slot.retryTimer = undefined;
}

/** The worker count the environment asks for; an invalid value is a user error saying how to fix it. */
function processCountOf(env: Readonly<Record<string, string>>): number {
  const value = env[WORKER_PROCESS_COUNT_SETTING];
  const count = parseProcessCount(value);
  if (count === undefined) {
    throw new PorticoError(
      'FUNCTIONS_INVALID_SETTINGS',
      `${WORKER_PROCESS_COUNT_SETTING} ${problemOfProcessCount(value)}; set it (app settings, local.settings.json "Values" or the environment) to the number of worker processes from ${MIN_WORKER_PROCESSES} to ${MAX_WORKER_PROCESSES}, or remove it for one`,
    );
  }
  return count;
}
