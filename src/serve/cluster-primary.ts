/**
 * `portico serve --workers <n>`: the primary process forks n workers running the same command on the
 * same ports (node:cluster hands them the connections), restarts a worker that dies, shares the
 * counters and change news of the workers (cluster-ipc.ts), and on SIGTERM lets every worker drain.
 */
import cluster, { type Worker } from 'node:cluster';
import { onSigusr1 } from '../shared/inspector-signal.js';
import { servePrimaryState } from './cluster-ipc.js';

/** Options of {@link runClusterPrimary}. */
export interface ClusterOptions {
  readonly workers: number;
  /** Where the primary's lines go (stderr). */
  readonly log: (line: string) => void;
}

/** The environment variable telling the first worker to print the start-up lines. */
export const WORKER_BANNER_ENV = 'PORTICO_WORKER_BANNER';

/** A worker tells the primary it serves with this message. */
export const WORKER_READY_MESSAGE = 'portico:ready';

/** Workers dying before they are ready this many times in a row stop the node. */
const MAX_FAILED_STARTS = 3;

/**
 * Runs the primary until the node stops; resolves with the process exit code (0 after a clean drain).
 * The first worker starts alone (it may create the database and the key file), then the others.
 */
export async function runClusterPrimary(options: ClusterOptions): Promise<number> {
  cluster.setupPrimary({ execArgv: workerExecArgv(process.execArgv) });
  const shared = servePrimaryState();
  const state = { stopping: false, failedStarts: 0 };
  const ready = new WeakSet<Worker>();
  try {
    if (!(await startWorker(true, ready))) {
      return 1;
    }
    await Promise.all(Array.from({ length: options.workers - 1 }, () => startWorker(false, ready)));
    options.log(`${options.workers} worker processes serving (pids ${pids().join(', ')})`);
    return await superviseUntilStopped(options, state, ready);
  } finally {
    await shared.close();
  }
}

/**
 * The V8 flags a worker starts with, each unless the operator gave one of its own. V8 reads them only at
 * start-up and Node refuses them in `NODE_OPTIONS`, so the primary gives them to the workers it starts.
 * - A larger first semi-space (decision 0040): a request allocates 25–30 KB, mostly inside Node and
 *   undici, and it halves the scavenges, 10–20 µs of CPU per gateway call here, for about 13 MB more at rest.
 * - No memory reducer (decision 0048): its collections while the worker idles before its first load leave
 *   Node's HTTP code on slow paths for the life of the process, up to 55 % more CPU per static request here.
 */
const WORKER_FLAGS: readonly { readonly flag: string; readonly given: RegExp }[] = [
  { flag: '--min-semi-space-size=32', given: /^--(min|max)[-_]semi[-_]space[-_]size\b/ },
  { flag: '--no-memory-reducer', given: /^--(no[-_]?)?memory[-_]reducer(=|$)/ },
];

/** The Node flags of a worker: the primary's, plus each of {@link WORKER_FLAGS} the primary does not set. */
export function workerExecArgv(primaryExecArgv: readonly string[]): string[] {
  const added = WORKER_FLAGS.filter(({ given }) => !primaryExecArgv.some((flag) => given.test(flag)));
  return [...primaryExecArgv, ...added.map(({ flag }) => flag)];
}

function startWorker(banner: boolean, ready: WeakSet<Worker>): Promise<boolean> {
  const worker = cluster.fork(banner ? { [WORKER_BANNER_ENV]: '1' } : {});
  return new Promise((resolve) => {
    const onMessage = (message: unknown) => {
      if (message === WORKER_READY_MESSAGE) {
        ready.add(worker);
        worker.off('exit', onExit);
        worker.off('message', onMessage);
        resolve(true);
      }
    };
    const onExit = () => {
      worker.off('message', onMessage);
      resolve(false);
    };
    worker.on('message', onMessage);
    worker.once('exit', onExit);
  });
}

function superviseUntilStopped(
  options: ClusterOptions,
  state: { stopping: boolean; failedStarts: number },
  ready: WeakSet<Worker>,
): Promise<number> {
  return new Promise((resolve) => {
    let worstExit = 0;
    const finishIfDone = () => {
      if (state.stopping && Object.keys(cluster.workers ?? {}).length === 0) {
        process.off('SIGTERM', stop);
        process.off('SIGINT', stop);
        process.off('SIGHUP', reopen);
        onSigusr1(undefined);
        cluster.off('exit', onExit);
        resolve(worstExit);
      }
    };
    const onExit = (worker: Worker, code: number | null, signal: string | null) => {
      if (state.stopping) {
        worstExit = Math.max(worstExit, code ?? 1);
        finishIfDone();
        return;
      }
      state.failedStarts = ready.has(worker) ? 0 : state.failedStarts + 1;
      if (state.failedStarts >= MAX_FAILED_STARTS) {
        options.log(`workers keep failing to start; stopping`);
        worstExit = 1;
        stop();
        return;
      }
      options.log(
        `worker ${worker.process.pid} ${signal === null ? `exited with code ${code}` : `was killed by ${signal}`}; starting another`,
      );
      void startWorker(false, ready).then((started) => {
        if (started) {
          options.log(`a new worker serves again (pids ${pids().join(', ')})`);
        }
      });
    };
    const stop = () => {
      if (state.stopping) {
        options.log('signal again: stopping every worker now');
        for (const worker of Object.values(cluster.workers ?? {})) {
          worker?.process.kill('SIGKILL');
        }
        worstExit = 1;
        return;
      }
      state.stopping = true;
      for (const worker of Object.values(cluster.workers ?? {})) {
        worker?.process.kill('SIGTERM');
      }
      finishIfDone();
    };
    const reopen = () => {
      for (const worker of Object.values(cluster.workers ?? {})) {
        worker?.process.kill('SIGHUP');
      }
    };
    cluster.on('exit', onExit);
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
    process.on('SIGHUP', reopen);
    onSigusr1(reopen);
  });
}

function pids(): number[] {
  return Object.values(cluster.workers ?? {}).flatMap((w) =>
    w?.process.pid === undefined ? [] : [w.process.pid],
  );
}
