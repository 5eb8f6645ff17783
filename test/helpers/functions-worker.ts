/**
 * Spawns the compiled functions worker (`dist/functions-host/worker/main.js`, so run `npm run build`
 * first) on a fixture app, the way the functions host does: the JSON configuration as last argument plus
 * an IPC channel.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const WORKER_MAIN = fileURLToPath(
  new URL('../../dist/functions-host/worker/main.js', import.meta.url),
);
export const FUNCTION_FIXTURES = fileURLToPath(new URL('../fixtures/functions/', import.meta.url));

/** Any message the worker sent (loosely typed: tests assert on it). */
export interface WorkerMessage {
  type: string;
  [key: string]: unknown;
}

export interface StartedWorker {
  readonly child: ChildProcess;
  readonly port: number;
  readonly url: string;
  readonly ready: WorkerMessage;
  readonly messages: WorkerMessage[];
  /** Log messages so far. */
  logs(): WorkerMessage[];
  /** Waits until a log message satisfies `predicate`. */
  waitForLog(predicate: (log: WorkerMessage) => boolean, timeoutMs?: number): Promise<WorkerMessage>;
  /** Sends SIGTERM and resolves with the exit code. */
  stop(): Promise<number | null>;
}

export interface WorkerOptions {
  port?: number;
  env?: Record<string, string>;
  /** Runs the app as `portico serve` deploys it (`deployed` in the configuration). */
  deployed?: boolean;
  /** Replaces the whole configuration argument (to test a bad one). */
  rawConfig?: string;
  /**
   * Starts the worker with `waitForLoad` (decision 0056): this runs once the worker says it is `waiting`,
   * and the worker is told to `load` the app only after it resolves.
   */
  beforeLoad?: () => Promise<void>;
}

/** Spawns a worker on `appDir` and waits for its `ready` message (rejects on `fatal` or exit). */
export async function startWorker(appDir: string, options: WorkerOptions = {}): Promise<StartedWorker> {
  const { child, messages, exited } = spawnWorker(appDir, options);
  const readyMessage = new Promise<WorkerMessage>((resolve, reject) => {
    child.on('message', (message: WorkerMessage) => {
      if (message.type === 'ready') {
        resolve(message);
      } else if (message.type === 'fatal') {
        reject(new Error(`worker fatal: ${String(message.message)}`));
      }
    });
    void exited.then((code) => reject(new Error(`worker exited with ${code} before ready`)));
  });
  if (options.beforeLoad !== undefined) {
    // An early exit is reported by the await below, once the app was asked to load.
    readyMessage.catch(() => undefined);
    await Promise.race([
      waitForMessage(child, messages, (message) => message.type === 'waiting'),
      readyMessage,
    ]);
    await options.beforeLoad();
    child.send({ type: 'load' });
  }
  const ready = await readyMessage;
  const port = Number(ready.port);
  return {
    child,
    port,
    url: `http://127.0.0.1:${port}`,
    ready,
    messages,
    logs: () => messages.filter((message) => message.type === 'log'),
    waitForLog: (predicate, timeoutMs = 5_000) =>
      waitForMessage(child, messages, (message) => message.type === 'log' && predicate(message), {
        ms: timeoutMs,
        error: 'timed out waiting for a log message',
      }),
    stop: () => {
      child.kill('SIGTERM');
      return exited;
    },
  };
}

/** Spawns a worker expected to fail and resolves with its exit code and messages. */
export async function runFailingWorker(
  appDir: string,
  options: WorkerOptions = {},
): Promise<{ code: number | null; messages: WorkerMessage[]; stderr: string }> {
  const { messages, exited, stderr } = spawnWorker(appDir, options);
  const code = await exited;
  return { code, messages, stderr: stderr() };
}

function spawnWorker(appDir: string, options: WorkerOptions) {
  const config = {
    appDir,
    port: options.port ?? 0,
    host: '127.0.0.1',
    routePrefixRequired: 'api',
    waitForLoad: options.beforeLoad !== undefined,
    ...(options.deployed === undefined ? {} : { deployed: options.deployed }),
  };
  const child = spawn(process.execPath, [WORKER_MAIN, options.rawConfig ?? JSON.stringify(config)], {
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const messages: WorkerMessage[] = [];
  let stderr = '';
  child.on('message', (message: WorkerMessage) => messages.push(message));
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  child.stdout?.resume();
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, messages, exited, stderr: () => stderr };
}

/**
 * The first message of the worker that `matches` (at once if it has already sent one); with `timeoutMs`,
 * rejects with `timeout` once that has passed.
 */
function waitForMessage(
  child: ChildProcess,
  messages: readonly WorkerMessage[],
  matches: (message: WorkerMessage) => boolean,
  timeout?: { readonly ms: number; readonly error: string },
): Promise<WorkerMessage> {
  const found = messages.find(matches);
  if (found) {
    return Promise.resolve(found);
  }
  return new Promise((resolve, reject) => {
    const timer =
      timeout === undefined ? undefined : setTimeout(() => reject(new Error(timeout.error)), timeout.ms);
    const listener = (message: WorkerMessage) => {
      if (matches(message)) {
        clearTimeout(timer);
        child.off('message', listener);
        resolve(message);
      }
    };
    child.on('message', listener);
  });
}
