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
