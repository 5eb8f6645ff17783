/**
 * One worker child process: spawned with an IPC channel guarded against the tenant code it runs
 * (`_ipc-guard.ts`, decision 0099) (and its private network connected, when it has one), its output
 * forwarded to the logger, its `ready` or `fatal` message turned into a promise, and a stop that escalates
 * from SIGTERM to SIGKILL.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import type { Socket } from 'node:net';
import { ERROR_CODES, type ErrorCode, PorticoError } from '../shared/errors.js';
import type { Logger } from '../shared/logger.js';
import { guardIpcChannel, type IpcViolation } from './_ipc-guard.js';
import type { ConnectionProtocol } from './_listener.js';
import {
  API_TAG,
  createLineTail,
  forwardLines,
  isInspectorNotice,
  type LineTail,
  logWorkerMessage,
  printableLine,
} from './_logs.js';
import { type FatalMessage, parseWorkerMessage, type ReadyMessage } from './_protocol.js';
import { connectPrivateNetwork, type PrivateNetwork } from './sandbox/private-network.js';
import type { WorkerLaunch } from './sandbox/types.js';

/** Inputs of {@link spawnWorker}. */
export interface SpawnWorkerOptions {
  /** The command, prepared by the sandbox (the worker's configuration is its last argument). */
  readonly launch: WorkerLaunch;
  /** The app folder on the host, for messages. */
  readonly appDir: string;
  /** How long it may take to load the app; `undefined` for no limit (a debugger may pause it). */
  readonly readyTimeoutMs: number | undefined;
  readonly logger: Logger;
}

/** How a worker ended. */
export interface WorkerExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** A spawned worker. */
export interface WorkerProcess {
  readonly pid: number | undefined;
  /** Resolves with the `ready` message; rejects with a user error on `fatal`, early exit or timeout. */
  readonly ready: Promise<ReadyMessage>;
  /** Resolves once the process has exited (never rejects). */
  readonly exited: Promise<WorkerExit>;
  /**
   * Resolves, with how slirp4netns ended, when the worker's private network goes while it runs (it has no
   * outbound network left); never settles for a worker without one.
   */
  readonly networkLost: Promise<string>;
  /** True once {@link stop} or {@link kill} was called: the exit that follows is expected. */
  readonly stopping: boolean;
  /** What the worker sent that broke the IPC protocol, once it did (it was killed for it). */
  readonly protocolViolation: IpcViolation | undefined;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process has exited. */
  stop(graceMs: number): Promise<void>;
  /** SIGKILL at once (synchronous, so it also works in a process `exit` handler). */
  kill(): void;
  /** Hands an accepted, unread connection to the worker; `onFailed` runs when it cannot take it. */
  handOver(socket: Socket, protocol: ConnectionProtocol, onFailed: () => void): void;
  /** Resolves true when the worker answers a `ping` over IPC within `timeoutMs` (its event loop runs). */
  ping(timeoutMs: number): Promise<boolean>;
  /** Asks the worker to close each connection it has after that connection's next response. */
  rebalance(): void;
  /** Tells a worker started with `waitForLoad` to load the app now (decision 0056). */
  load(): void;
}

/** Lines of stderr kept to explain a worker that exits before it is ready. */
const STDERR_TAIL_LINES = 10;

/**
 * Spawns the worker as `options.launch` says and starts listening to it; its private network (slirp4netns)
 * and temp folder go on exit.
 */
export function spawnWorker(options: SpawnWorkerOptions): WorkerProcess {
  const { launch } = options;
  const child = spawn(launch.command, [...launch.args], {
    cwd: launch.cwd,
    env: launch.env,
    // The IPC channel is fd 3; the pipes of a private network follow it (PRIVATE_NETWORK_FDS: 4 and 5).
    stdio: [
      'ignore',
      'pipe',
      'pipe',
      'ipc',
      ...(launch.network === undefined ? [] : (['pipe', 'pipe'] as const)),
    ],
    ...(launch.uid === undefined ? {} : { uid: launch.uid, gid: launch.gid ?? launch.uid }),
  });
  const state: SpawnState = { violation: undefined };
  // First, before any of its messages can be read: a channel Portico cannot guard is not used at all.
  const unguarded = guardIpcChannel(child, (violation) => {
    state.violation = violation;
  });
  if (unguarded !== undefined) {
    child.kill('SIGKILL');
  }
  const tail = createLineTail(STDERR_TAIL_LINES);
  forwardOutput(child, tail, options.logger);
  const network =
    launch.network === undefined ? undefined : connectPrivateNetwork(child, launch.network.slirp4netns);
  const exited = waitForExit(child).then(async (exit) => {
    await network?.close();
    await launch
      .cleanup()
      .catch((error: Error) =>
        options.logger.warn(`functions: cannot remove the worker's temp folder: ${error.message}`),
      );
    return exit;
  });
  const ready =
    unguarded === undefined
      ? waitForReady(child, exited, { tail, state }, options, network)
      : rejectQuietly<ReadyMessage>(unguardedError(unguarded));
  const networkLost = network?.lost ?? new Promise<string>(() => {});
  return createHandle(child, { ready, exited, networkLost }, launch.stopWith, state);
}

/** What the spawn learns while the worker runs. */
interface SpawnState {
  violation: IpcViolation | undefined;
}

function rejectQuietly<T>(error: Error): Promise<T> {
  const rejected = Promise.reject(error);
  rejected.catch(() => {});
  return rejected;
}

function unguardedError(missing: string): PorticoError {
  return new PorticoError(
    'FUNCTIONS_IPC_UNGUARDED',
    `cannot start the API worker: on Node.js ${process.version} Portico cannot find ${missing}, which it needs to guard the worker's IPC channel against the app's code (decision 0099), and it does not run apps unguarded; run Portico on Node.js 20, the version it is tested on`,
  );
}

/** Asks the worker to stop: SIGTERM, or the IPC `stop` message when a wrapper would not pass the signal on. */
function askToStop(child: ChildProcess, stopWith: WorkerLaunch['stopWith']): void {
  if (stopWith === 'message' && child.connected) {
    child.send({ type: 'stop' }, (error) => {
      if (error) {
        child.kill('SIGKILL');
      }
    });
  } else {
    child.kill('SIGTERM');
  }
}

function createHandle(
  child: ChildProcess,
  events: Pick<WorkerProcess, 'ready' | 'exited' | 'networkLost'>,
  stopWith: WorkerLaunch['stopWith'],
  state: SpawnState,
): WorkerProcess {
  const { exited } = events;
  let stopping = false;
  let done = false;
  let pings = 0;
  // Connections not yet written to the IPC channel: Node queues them while the worker has not acknowledged
  // an earlier one, and forgets them, still open, if it dies meanwhile.
  const unsent = new Set<Socket>();
  void exited.then(() => {
    done = true;
    for (const socket of unsent) {
      socket.destroy();
    }
    unsent.clear();
  });
  return {
    pid: child.pid,
    ...events,
    get stopping() {
      return stopping;
    },
    get protocolViolation() {
      return state.violation;
    },
    async stop(graceMs) {
      stopping = true;
      if (!done) {
        askToStop(child, stopWith);
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
      }
    },
    kill() {
      stopping = true;
      child.kill('SIGKILL');
    },
    handOver(socket, protocol, onFailed) {
      if (done || !child.connected) {
        onFailed();
        return;
      }
      unsent.add(socket);
      // keepOpen, then closing this copy once written: the descriptor in flight keeps the connection, so
      // a worker that dies before reading it takes the connection with it (Node would keep its own copy,
      // open, until an acknowledgement that never comes).
      child.send({ type: 'connection', protocol }, socket, { keepOpen: true }, (error) => {
        unsent.delete(socket);
        if (error) {
          onFailed();
        } else {
          socket.destroy();
        }
      });
    },
    rebalance() {
      if (!done && child.connected) {
        child.send({ type: 'rebalance' }, () => {});
      }
    },
    load() {
      // A worker that cannot get the message has exited or is exiting: its `ready` rejects then.
      if (!done && child.connected) {
        child.send({ type: 'load' }, () => {});
      }
    },
    ping(timeoutMs) {
      pings += 1;
      return pingWorker(child, pings, timeoutMs);
    },
  };
}

/** One IPC round trip: `{type: 'ping', id}` out, the matching `pong` back. */
function pingWorker(child: ChildProcess, id: number, timeoutMs: number): Promise<boolean> {
  if (!child.connected) {
    return Promise.resolve(false);
  }
  return new Promise((resolve) => {
    const finish = (answered: boolean): void => {
      clearTimeout(timer);
      child.off('message', onMessage);
      resolve(answered);
    };
    const onMessage = (value: unknown): void => {
      const message = parseWorkerMessage(value);
      if (message?.type === 'pong' && message.id === id) {
        finish(true);
      }
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    child.on('message', onMessage);
    child.send({ type: 'ping', id }, (error) => {
      if (error) {
        finish(false);
      }
    });
  });
}

function forwardOutput(child: ChildProcess, tail: LineTail, logger: Logger): void {
  forwardLines(child.stdout, (raw) => logger.info(`${API_TAG} ${printableLine(raw)}`));
  forwardLines(child.stderr, (raw) => {
    const line = printableLine(raw);
    tail.push(line);
    // Node's inspector announces itself on stderr; that is news, not a warning.
    if (isInspectorNotice(line)) {
      logger.info(`${API_TAG} ${line}`);
    } else {
      logger.warn(`${API_TAG} ${line}`);
    }
  });
  child.on('message', (value) => {
    const message = parseWorkerMessage(value);
    if (message?.type === 'log') {
      logWorkerMessage(logger, message);
    }
  });
  // A permanent listener: an unhandled 'error' (a failed kill, a broken IPC pipe) would crash the parent.
  child.on('error', (error) => logger.debug(`functions: worker process error: ${error.message}`));
}

function waitForExit(child: ChildProcess): Promise<WorkerExit> {
  return new Promise((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
    child.once('error', () => {
      if (child.pid === undefined) {
        resolve({ code: null, signal: null });
      }
    });
  });
}

/** Longest wait, after exit, for the last IPC messages and stderr lines of a dead worker. */
const DRAIN_LIMIT_MS = 500;

/**
 * Resolves after exit once the child's pipes and IPC channel are closed (so a `fatal` message or the last
 * stderr lines are not lost to the exit event), or at most {@link DRAIN_LIMIT_MS} after exit.
 */
function outputDrained(child: ChildProcess, exited: Promise<WorkerExit>): Promise<WorkerExit> {
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  return exited.then(async (exit) => {
    let timer: NodeJS.Timeout | undefined;
    const limit = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, DRAIN_LIMIT_MS);
    });
    await Promise.race([closed, limit]);
    clearTimeout(timer);
    return exit;
  });
}

function waitForReady(
  child: ChildProcess,
  exited: Promise<WorkerExit>,
  { tail, state }: { tail: LineTail; state: SpawnState },
  options: SpawnWorkerOptions,
  network: PrivateNetwork | undefined,
): Promise<ReadyMessage> {
  const ready = new Promise<ReadyMessage>((resolve, reject) => {
    const limit = options.readyTimeoutMs;
    const timer =
      limit === undefined
        ? undefined
        : setTimeout(() => {
            child.kill('SIGKILL');
            // A network still being connected is what it waited for: say so, not "top-level code".
            reject(network?.unready(limit) ?? startTimeoutError(options.appDir, limit));
          }, limit);
    const settle = () => {
      clearTimeout(timer);
      child.off('message', onMessage);
    };
    const onMessage = (value: unknown) => {
      const message = parseWorkerMessage(value);
      if (message?.type === 'ready') {
        settle();
        resolve(message);
      } else if (message?.type === 'fatal') {
        settle();
        reject(fatalError(message));
      }
    };
    child.on('message', onMessage);
    child.once('error', (error) => {
      settle();
      reject(new PorticoError('FUNCTIONS_LOAD_FAILED', `cannot start the API worker: ${error.message}`));
    });
    // A network that cannot be connected: the worker, still blocked before its command, goes.
    network?.ready.catch((error: unknown) => {
      settle();
      child.kill('SIGKILL');
      reject(error);
    });
    void outputDrained(child, exited).then((exit) => {
      settle();
      reject(earlyExitError(exit, tail, state.violation));
    });
  });
  ready.catch(() => {});
  return ready;
}

function fatalError(message: FatalMessage): PorticoError {
  return new PorticoError(fatalCode(message.code), message.message);
}

/** The worker's own code when the catalog knows it as a user error, else FUNCTIONS_LOAD_FAILED. */
function fatalCode(code: string | undefined): ErrorCode {
  if (code !== undefined && Object.hasOwn(ERROR_CODES, code)) {
    const known = code as ErrorCode;
    return ERROR_CODES[known].expose ? known : 'FUNCTIONS_LOAD_FAILED';
  }
  return 'FUNCTIONS_LOAD_FAILED';
}

function startTimeoutError(appDir: string, limitMs: number): PorticoError {
  return new PorticoError(
    'FUNCTIONS_START_TIMEOUT',
    `the API app in ${appDir} did not finish loading within ${limitMs / 1000} s; check for top-level code that never finishes (an await that never resolves, a server started at import)`,
  );
}

function earlyExitError(exit: WorkerExit, tail: LineTail, violation: IpcViolation | undefined): PorticoError {
  const output = tail.lines();
  const detail = output.length === 0 ? '' : `:\n${output.join('\n')}`;
  const how = violation === undefined ? describeExit(exit) : describeViolation(violation);
  return new PorticoError(
    'FUNCTIONS_LOAD_FAILED',
    `the API worker ${how} before the app was loaded${detail}`,
  );
}

/** `broke the IPC protocol (it sent a descriptor) and was killed`: what happened, never what it sent. */
export function describeViolation(violation: IpcViolation): string {
  return `broke the IPC protocol (it sent ${violation}) and was killed`;
}

/** `exited with code 1` / `was killed by SIGKILL`. */
export function describeExit(exit: WorkerExit): string {
  return exit.signal === null ? `exited with code ${exit.code ?? 'unknown'}` : `was killed by ${exit.signal}`;
}
