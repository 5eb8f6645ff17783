/**
 * Metrics of a node with `--workers`: each worker keeps its own registry; a scrape, answered by any
 * worker, asks the primary, which gathers every worker's registry (prom-client's AggregatorRegistry)
 * and sums them, so one scrape shows the whole node.
 */
import cluster from 'node:cluster';
import { errorMessage } from '../shared/guards.js';
import { AggregatorRegistry, type Registry } from '../shared/prom-client.js';

interface MetricsRequest {
  readonly type: 'portico:metrics';
  readonly id: number;
}

interface MetricsReply {
  readonly type: 'portico:metrics-reply';
  readonly id: number;
  readonly text?: string;
  readonly error?: string;
}

/**
 * In a worker: offers `registry` to the primary's aggregation and returns the function that renders the
 * whole node's metrics; outside a cluster, undefined.
 */
export function joinClusterMetrics(registry: Registry): (() => Promise<string>) | undefined {
  if (!cluster.isWorker || typeof process.send !== 'function') {
    return undefined;
  }
  new AggregatorRegistry();
  AggregatorRegistry.setRegistries([registry]);
  const pending = new Map<number, (reply: MetricsReply) => void>();
  let next = 0;
  process.on('message', (message: MetricsReply) => {
    if (message?.type === 'portico:metrics-reply') {
      pending.get(message.id)?.(message);
      pending.delete(message.id);
    }
  });
  return () =>
    new Promise((resolve, reject) => {
      next += 1;
      pending.set(next, (reply) =>
        reply.text === undefined ? reject(new Error(reply.error ?? 'no metrics')) : resolve(reply.text),
      );
      process.send?.({ type: 'portico:metrics', id: next } satisfies MetricsRequest);
    });
}

/** In the primary: answers the workers' scrapes with the sum of every worker's metrics. */
export function serveClusterMetrics(): { close(): void } {
  const aggregator = new AggregatorRegistry();
  const onMessage = (
    worker: { send(message: unknown): boolean; isConnected(): boolean },
    message: unknown,
  ) => {
    const request = message as MetricsRequest;
    if (request?.type !== 'portico:metrics') {
      return;
    }
    const reply = (answer: Omit<MetricsReply, 'type' | 'id'>) => {
      if (worker.isConnected()) {
        worker.send({ type: 'portico:metrics-reply', id: request.id, ...answer } satisfies MetricsReply);
      }
    };
    aggregator.clusterMetrics().then(
      (text) => reply({ text }),
      (error: unknown) => reply({ error: errorMessage(error) }),
    );
  };
  cluster.on('message', onMessage);
  return { close: () => cluster.off('message', onMessage) };
}
