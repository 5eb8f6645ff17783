/**
 * A map of buffers bounded by their total byte size, evicting the oldest insertions first. Reads do not
 * reorder entries: keeping hits as cheap as a plain `Map#get` matters more on the hot path than LRU
 * precision, and an evicted body is simply compressed once more.
 */

/** A cached value: any object carrying the buffer whose size counts against the bound. */
export interface SizedEntry {
  readonly body: Buffer;
}

/** Map bounded by the sum of `entry.body.length`; entries larger than the whole bound are not kept. */
export class BoundedBufferMap<T extends SizedEntry> {
  readonly #maxBytes: number;
  readonly #entries = new Map<string, T>();
  #bytes = 0;

  constructor(maxBytes: number) {
    this.#maxBytes = maxBytes;
  }

  get size(): number {
    return this.#entries.size;
  }

  get bytes(): number {
    return this.#bytes;
  }

  get(key: string): T | undefined {
    return this.#entries.get(key);
  }

  /** Stores `entry` as the newest, evicting the oldest entries until it fits. */
  set(key: string, entry: T): void {
    this.delete(key);
    if (entry.body.length > this.#maxBytes) {
      return;
    }
    this.#evictUntilFits(entry.body.length);
    this.#entries.set(key, entry);
    this.#bytes += entry.body.length;
  }

  delete(key: string): void {
    const old = this.#entries.get(key);
    if (old !== undefined) {
      this.#entries.delete(key);
      this.#bytes -= old.body.length;
    }
  }

  clear(): void {
    this.#entries.clear();
    this.#bytes = 0;
  }

  #evictUntilFits(incoming: number): void {
    for (const key of this.#entries.keys()) {
      if (this.#bytes + incoming <= this.#maxBytes) {
        return;
      }
      this.delete(key);
    }
  }
}
