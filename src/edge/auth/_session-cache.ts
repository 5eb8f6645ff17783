/**
 * Folder-private: what a session codec has already read from a cookie value, so that a signed-in user's
 * every request does not decode (dev) or decrypt (sealed) and validate the same value again. Bounded;
 * the oldest insertion goes first (a hit does not reorder: it must cost no more than a `Map#get`).
 * Only deterministic results are kept: whatever depends on the clock or on revocations is checked by
 * the codec on every read, hit or not.
 */

/** How many cookie values a codec remembers. Values are at most 15 200 characters, so about 4 MB. */
export const SESSION_CACHE_MAX = 256;

/** A bounded map from cookie value to what reading it gave. */
export class SessionCache<T> {
  readonly #entries = new Map<string, T>();
  readonly #max: number;

  constructor(max: number = SESSION_CACHE_MAX) {
    this.#max = max;
  }

  get(value: string): T | undefined {
    return this.#entries.get(value);
  }

  set(value: string, entry: T): void {
    if (this.#entries.size >= this.#max && !this.#entries.has(value)) {
      const oldest = this.#entries.keys().next();
      if (oldest.done !== true) {
        this.#entries.delete(oldest.value);
      }
    }
    this.#entries.set(value, entry);
  }
}
