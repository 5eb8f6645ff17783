/**
 * What the worker processes of one node (`--workers n`) share through the primary when no Redis is
 * configured: the gateway's rate-limit and quota counters (kept in the primary's memory) and the news of
 * the change log (a worker that wrote a change tells the others, as Redis pub/sub does between nodes).
 * Messages are plain objects on the cluster IPC channel, tagged `portico:*`.
 */
import cluster, { type Worker } from 'node:cluster';
import type { CounterStore } from '../gateway/index.js';
import { createMemoryCounterStore } from '../gateway/index.js';
import { serveClusterMetrics } from '../ops/index.js';
import type { ChangeBus } from '../storage/index.js';

type CounterMethod = Exclude<keyof CounterStore, 'close'>;

interface CounterCall {
  readonly type: 'portico:counters';
  readonly id: number;
  readonly method: CounterMethod;
  readonly args: readonly unknown[];
}

interface CounterReply {
  readonly type: 'portico:counters-reply';
  readonly id: number;
  readonly result?: unknown;
  readonly error?: string;
}

interface ChangeNews {
  readonly type: 'portico:changes';
}

const COUNTER_METHODS: readonly CounterMethod[] = [
  'takeRate',
  'peekRate',
  'addRate',
  'takeQuota',
  'peekQuota',
  'addQuota',
];

/** True in a worker process started by `--workers`. */
export function inClusterWorker(): boolean {
  return cluster.isWorker && typeof process.send === 'function';
}

/** The counter store of a worker: every call answered by the primary's one memory store. */
export function createPrimaryCounterStore(): CounterStore {
  const pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  let next = 0;
  const onMessage = (message: CounterReply) => {
    if (message?.type !== 'portico:counters-reply') {
      return;
    }
    const call = pending.get(message.id);
    pending.delete(message.id);
    if (message.error === undefined) {
      call?.resolve(message.result);
    } else {
      call?.reject(new Error(message.error));
    }
  };
  process.on('message', onMessage);
  const invoke = (method: CounterMethod, args: readonly unknown[]) =>
    new Promise<unknown>((resolve, reject) => {
      next += 1;
      pending.set(next, { resolve, reject });
      const call: CounterCall = { type: 'portico:counters', id: next, method, args };
      process.send?.(call, undefined, {}, (error: Error | null) => {
        if (error !== null) {
          pending.delete(call.id);
          reject(error);
        }
      });
    });
  const store = Object.fromEntries(
    COUNTER_METHODS.map((method) => [method, (...args: unknown[]) => invoke(method, args)]),
  ) as unknown as Omit<CounterStore, 'close'>;
  return {
    ...store,
    async close() {
      process.off('message', onMessage);
      for (const call of pending.values()) {
        call.reject(new Error('the counter store was closed'));
      }
      pending.clear();
    },
  };
}

/** The change bus of a worker: news goes to the other workers through the primary. */
export function createPrimaryChangeBus(onNews: () => void): ChangeBus {
  const onMessage = (message: ChangeNews) => {
    if (message?.type === 'portico:changes') {
      onNews();
    }
  };
  process.on('message', onMessage);
  return {
    async announce() {
      process.send?.({ type: 'portico:changes' } satisfies ChangeNews);
    },
    async ping() {},
    // The other workers' news, through the primary; with no Redis, the only news there is (SQLite).
    hearsNews: () => true,
    async close() {
      process.off('message', onMessage);
    },
  };
}

/** In the primary: answers the workers' counter calls and relays change news to the other workers. */
export function servePrimaryState(): { close(): Promise<void> } {
  const counters = createMemoryCounterStore();
  const metrics = serveClusterMetrics();
  const onMessage = (worker: Worker, message: CounterCall | ChangeNews) => {
    if (message?.type === 'portico:changes') {
      for (const other of Object.values(cluster.workers ?? {})) {
        if (other !== undefined && other !== worker && other.isConnected()) {
          other.send(message);
        }
      }
    } else if (message?.type === 'portico:counters' && COUNTER_METHODS.includes(message.method)) {
      const run = counters[message.method] as (...args: unknown[]) => unknown;
      // The memory store answers at once; a promise makes a throw and an answer reply the same way.
      void new Promise((resolve) => resolve(run(...message.args))).then(
        (result) => reply(worker, { type: 'portico:counters-reply', id: message.id, result }),
        (error: unknown) =>
          reply(worker, { type: 'portico:counters-reply', id: message.id, error: String(error) }),
      );
    }
  };
  cluster.on('message', onMessage);
  return {
    async close() {
      cluster.off('message', onMessage);
      metrics.close();
      await counters.close();
    },
  };
}

function reply(worker: Worker, message: CounterReply): void {
  if (worker.isConnected()) {
    worker.send(message);
  }
}
