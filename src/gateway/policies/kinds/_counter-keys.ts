/** Folder-private: the counter keys of `rate-limit-by-key` and `quota-by-key`, remembered per policy. */

/** How many keys one keyed limit remembers; a new key past it starts the memory over. */
export const KEYED_COUNTERS_MAX = 4096;
/** Longer counter-key values are joined on every call instead of remembered (memory stays small). */
export const KEYED_VALUE_MAX = 256;

/**
 * The counter keys of a keyed limit, `<prefix>:<service id>:<counter-key value>`, found again by the two
 * strings instead of joined on every call: joining the service id (a resource id of well over a hundred
 * characters) and hashing the result for the counter's lookup cost more than the count itself. The keys
 * are the same strings either way, so a call always counts on the counter it counted on before.
 */
export class CounterKeys {
  readonly #prefix: string;
  readonly #kept = new Map<string, Map<string, string>>();
  #size = 0;

  constructor(prefix: string) {
    this.#prefix = prefix;
  }

  /** How many keys are remembered (at most {@link KEYED_COUNTERS_MAX}). */
  get size(): number {
    return this.#size;
  }

  /** `<prefix>:<serviceId>:<value>`. */
  of(serviceId: string, value: string): string {
    let byValue = this.#kept.get(serviceId);
    const known = byValue?.get(value);
    if (known !== undefined) {
      return known;
    }
    const key = `${this.#prefix}:${serviceId}:${value}`;
    if (value.length > KEYED_VALUE_MAX) {
      return key;
    }
    if (this.#size >= KEYED_COUNTERS_MAX) {
      this.#kept.clear();
      this.#size = 0;
      byValue = undefined;
    }
    if (byValue === undefined) {
      byValue = new Map();
      this.#kept.set(serviceId, byValue);
    }
    byValue.set(value, key);
    this.#size += 1;
    return key;
  }
}
