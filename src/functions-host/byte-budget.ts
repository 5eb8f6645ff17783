/**
 * How many bytes of `/api` request bodies the edge may hold on their way to the workers (decision 0112):
 * a budget per environment (one functions host's dispatcher) inside one for the whole process. A body
 * part counts from the moment it is read from the client until its frame has left the process (the
 * socket's write callback), whatever the worker does; an exchange that finds no room stops reading its
 * client, whose TCP window then closes, and reads again when room comes back.
 */

/** What one environment's request bodies may hold in the edge at once. */
export const ENVIRONMENT_REQUEST_BODY_BYTES = 4 * 1024 * 1024;

/** What the request bodies of every environment of the process may hold at once. */
export const TOTAL_REQUEST_BODY_BYTES = 64 * 1024 * 1024;

/**
 * A byte budget, optionally inside a larger one (an environment's inside the process's). Bytes are taken
 * whatever the room (a part already read is always sent), so the budget is exceeded by one part at most;
 * who finds no room waits, first come first served, and is called back once there is room in this budget
 * and in every one around it.
 */
export class ByteBudget {
  readonly #limit: number;
  readonly #parent: ByteBudget | undefined;
  #held = 0;
  #waiting: (() => void)[] = [];
  /** True while this budget waits in its parent's queue. */
  #queued = false;

  constructor(limit: number, parent?: ByteBudget) {
    this.#limit = limit;
    this.#parent = parent;
  }

  /** Bytes held now (tests and diagnostics). */
  get held(): number {
    return this.#held;
  }

  /** True when a part may be taken now, here and in every budget around this one. */
  get hasRoom(): boolean {
    return this.#held < this.#limit && (this.#parent?.hasRoom ?? true);
  }

  take(bytes: number): void {
    this.#held += bytes;
    this.#parent?.take(bytes);
  }

  release(bytes: number): void {
    this.#held -= bytes;
    this.#parent?.release(bytes);
    this.#wake();
  }

  /** Calls `callback` once there is room (then it should take what it reads, synchronously). */
  wait(callback: () => void): void {
    this.#waiting.push(callback);
    this.#wake();
  }

  /** Forgets a callback that no longer waits (an exchange given up). */
  cancel(callback: () => void): void {
    this.#waiting = this.#waiting.filter((waiting) => waiting !== callback);
  }

  /**
   * Calls the waiting callbacks in order while there is room. Each takes what it reads before returning,
   * so the room is checked again for the next; with room here but none around, this budget waits its
   * turn in its parent's queue, so environments take turns there.
   */
  #wake = (): void => {
    this.#queued = false;
    while (this.#waiting.length > 0 && this.#held < this.#limit) {
      if (this.#parent !== undefined && !this.#parent.hasRoom) {
        if (!this.#queued) {
          this.#queued = true;
          this.#parent.wait(this.#wake);
        }
        return;
      }
      (this.#waiting.shift() as () => void)();
    }
  };
}
