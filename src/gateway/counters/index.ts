/** Counters of `rate-limit*` and `quota*`: in memory for one node, in Redis for several. */
export { NEVER_RENEWS_RETRY_AFTER_SECONDS } from './_decision.js';
export { createMemoryCounterStore, type MemoryCounterStore } from './memory.js';
export { createRedisCounterStore, type RedisCounterOptions } from './redis.js';
