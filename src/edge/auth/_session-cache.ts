/**
 * Folder-private: what a session codec has already read from a cookie value, so that a signed-in user's
 * every request does not decode (dev) or decrypt (sealed) and validate the same value again. Bounded by
 * count and by the values' total length; the oldest insertion goes first (a hit does not reorder: it must
 * cost no more than a `Map#get`). Only deterministic results are kept: whatever depends on the clock or
 * on revocations is checked by the codec on every read, hit or not.
 */

/** How many cookie values a codec remembers. */
export const SESSION_CACHE_MAX_ENTRIES = 256;

/** The most characters of cookie values a codec keeps (one per site environment in `portico serve`). */
export const SESSION_CACHE_MAX_CHARS = 256 * 1024;

/** A bounded map from cookie value to what reading it gave. */
export class SessionCache<T> {
  readonly #entries = new Map<string, T>();
  #chars = 0;

  get(value: string): T | undefined {
    return this.#entries.get(value);
  }

  set(value: string, entry: T): void {
    if (this.#entries.has(value) || value.length > SESSION_CACHE_MAX_CHARS) {
      return;
    }
    while (
      this.#entries.size >= SESSION_CACHE_MAX_ENTRIES ||
      this.#chars + value.length > SESSION_CACHE_MAX_CHARS
    ) {
      const oldest = this.#entries.keys().next();
      if (oldest.done === true) {
        break;
      }
      this.#entries.delete(oldest.value);
      this.#chars -= oldest.value.length;
    }
    this.#entries.set(value, entry);
    this.#chars += value.length;
  }
}
