/** At most a number of tasks at once; the others wait their turn, first come first served. */

/** Takes a turn and gives it back. */
export interface Semaphore {
  /** Resolves once a turn is free; call the returned function exactly once to give it back. */
  acquire(): Promise<() => void>;
}

/** A {@link Semaphore} of `limit` turns. */
export function createSemaphore(limit: number): Semaphore {
  let free = limit;
  const waiting: (() => void)[] = [];
  const release = () => {
    const next = waiting.shift();
    if (next === undefined) {
      free += 1;
    } else {
      next();
    }
  };
  const once = () => {
    let released = false;
    return () => {
      if (!released) {
        released = true;
        release();
      }
    };
  };
  return {
    async acquire() {
      if (free > 0) {
        free -= 1;
        return once();
      }
      await new Promise<void>((resolve) => waiting.push(resolve));
      return once();
    },
  };
}

/** Semaphores of `limit` turns each, one per key, kept only while some task holds or waits for a turn. */
export interface KeyedSemaphore {
  /** Resolves once a turn of `key` is free; call the returned function exactly once to give it back. */
  acquire(key: string): Promise<() => void>;
}

/** A {@link KeyedSemaphore} of `limit` turns per key. */
export function createKeyedSemaphore(limit: number): KeyedSemaphore {
  const byKey = new Map<string, { semaphore: Semaphore; users: number }>();
  return {
    async acquire(key) {
      let entry = byKey.get(key);
      if (entry === undefined) {
        entry = { semaphore: createSemaphore(limit), users: 0 };
        byKey.set(key, entry);
      }
      entry.users += 1;
      const held = entry;
      const release = await held.semaphore.acquire();
      let released = false;
      return () => {
        if (!released) {
          released = true;
          release();
          held.users -= 1;
          if (held.users === 0) {
            byKey.delete(key);
          }
        }
      };
    },
  };
}
