/**
 * News of the change log between the nodes of a service, over Redis pub/sub: a node that wrote a change
 * tells the others, which read the log at once instead of at their next poll. Polling stays the source
 * of truth, so a message lost while Redis restarts only delays a change until the next poll.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { errorMessage } from '../shared/guards.js';
import type { Logger } from '../shared/logger.js';
import { isRedisAuthRefusal, redisAuthRefused, redisAuthRefusedLater } from '../shared/redis-auth.js';
import { redactUrl } from './database.js';

/** The channel of a service's change news: pub/sub ignores Redis database numbers, so it names the service. */
export function changeChannel(serviceId: string): string {
  return `portico:changes:${serviceId}`;
}
/** How long a Redis command may take before it counts as failed. */
const COMMAND_TIMEOUT_MS = 2000;

/** Tells other nodes that the change log has news. */
export interface ChangeBus {
  /**
   * Announces a change this node wrote; never rejects (a failure is logged once), and never waits for
   * Redis: a Redis that holds the connection without answering must not hold up the write that changed.
   */
  announce(): Promise<void>;
  /** Resolves when Redis answers now; rejects at once while it is away (readiness checks). */
  ping(): Promise<void>;
  /**
   * True while news from the other nodes reaches this one as it is sent (subscribed to Redis); false
   * while they are heard only by polling the change log.
   */
  hearsNews(): boolean;
  close(): Promise<void>;
}

/**
 * Connects to Redis and calls `onNews` whenever another node of the service `serviceId` announces a change
 * (on {@link changeChannel}: other services on the same Redis have their own). When Redis cannot be
 * reached at start, warns and goes on without it until it answers (announcements are lost meanwhile;
 * nodes poll).
 *
 * @example
 * const bus = await connectChangeBus('redis://127.0.0.1:6379', serviceId, () => table.sync(), logger);
 * await bus.announce();
 */
export async function connectChangeBus(
  url: string,
  serviceId: string,
  onNews: () => void,
  logger: Logger,
): Promise<ChangeBus> {
  const node = randomUUID();
  const channel = changeChannel(serviceId);
  // Imported here: only a service with --redis-url loads ioredis (decision 0035).
  const { Redis } = await import('ioredis');
  const publisher = createClient(Redis, url);
  const subscriber = createClient(Redis, url);
  const health = watchHealth([publisher, subscriber], url, logger);
  const publisherDown = watchDownReason(publisher);
  try {
    await Promise.all([publisher.connect(), subscriber.connect()]);
    await subscriber.subscribe(channel);
    health.started(false);
  } catch (error) {
    const reason = health.lastError() ?? errorMessage(error);
    if (isRedisAuthRefusal(reason)) {
      publisher.disconnect();
      subscriber.disconnect();
      throw redisAuthRefused(redactUrl(url), reason, error);
    }
    // A node that starts during a Redis outage serves anyway, as one that was running does (polling
    // covers the gap; /readyz says degraded): a restart during an outage must not take it out of the
    // balancer. The clients keep reconnecting; the subscription is made once Redis answers.
    health.started(true);
    logger.warn(
      `Redis at ${redactUrl(url)} is unreachable (${reason}); serving without it: nodes fall back to polling until it answers. Check --redis-url if this lasts.`,
    );
    subscriber.once('ready', () => {
      void subscriber.subscribe(channel).catch(() => undefined);
    });
  }
  subscriber.on('message', (_channel: string, message: string) => {
    if (message !== node) {
      onNews();
    }
  });
  return {
    async announce() {
      publisher.publish(channel, node).then(
        () => undefined,
        () => undefined,
      );
    },
    async ping() {
      try {
        await publisher.ping();
      } catch (error) {
        // Away, ioredis refuses the command with words of its own ("Stream isn't writeable and
        // enableOfflineQueue options is false"): the reason is the connection's last error.
        throw new Error(publisher.status === 'ready' ? errorMessage(error) : publisherDown());
      }
    },
    hearsNews: () => subscriber.status === 'ready',
    async close() {
      await Promise.allSettled([publisher.quit(), subscriber.quit()]);
    },
  };
}

function createClient(RedisClient: typeof Redis, url: string): Redis {
  return new RedisClient(url, {
    lazyConnect: true,
    // Commands fail at once while Redis is away instead of piling up; polling covers the gap.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    // A Redis that keeps the connection but stops answering (paused, overloaded) fails a command after
    // this, as an unreachable one does at once; readiness checks then say degraded.
    commandTimeout: COMMAND_TIMEOUT_MS,
    retryStrategy: (attempt) => Math.min(attempt * 200, 5000),
  });
}

/**
 * Why `client` is not connected: its last connection error since it was last ready (`connect
 * ECONNREFUSED 127.0.0.1:6379`), or that it is connecting again.
 */
function watchDownReason(client: Redis): () => string {
  let last: string | undefined;
  client.on('error', (error: Error) => {
    last = error.message;
  });
  client.on('ready', () => {
    last = undefined;
  });
  return () => last ?? 'the connection was closed; reconnecting';
}

/**
 * Logs one warning when Redis goes away after start and one line when it is back; credentials refused
 * (a password rotated on the server) are an error at every reconnection of the first client, with what
 * to do.
 */
function watchHealth(clients: readonly Redis[], url: string, logger: Logger) {
  let last: string | undefined;
  let running = false;
  let down = false;
  for (const client of clients) {
    client.on('error', (error: Error) => {
      last = error.message;
      if (running && isRedisAuthRefusal(error.message)) {
        down = true;
        if (client === clients[0]) {
          logger.error(redisAuthRefusedLater(redactUrl(url), error.message));
        }
      } else if (running && !down) {
        down = true;
        logger.warn(
          `Redis at ${redactUrl(url)} is unreachable (${error.message}); nodes fall back to polling.`,
        );
      }
    });
    client.on('ready', () => {
      if (running && down) {
        down = false;
        logger.info(`Redis at ${redactUrl(url)} is reachable again.`);
      }
    });
  }
  return {
    lastError: () => last,
    started: (unreachable: boolean) => {
      running = true;
      down = unreachable;
    },
  };
}
