/**
 * The request bodies one frame connection is receiving in parts (decision 0112, `frames.ts`): the edge
 * sends a streamed body only after this worker routed its request and asked for it (CONTINUE), then in DATA
 * frames and an END. The body is assembled here, in the tenant's own worker and under its memory limit,
 * never in the shared edge. Past the worker's body limit the parts are counted and let go (the request
 * answers 413 at its END, as a whole body over the limit does); a CANCEL, or the connection closing, lets
 * the body go.
 */

/** One body being received: the parts so far (views of the frames they came in) and their size. */
interface Receiving<T> {
  readonly request: T;
  parts: Buffer[];
  bytes: number;
}

/** The bodies in flight on one connection, by exchange id, each with what its request needs at the end. */
export class RequestParts<T> {
  readonly #maxBytes: number;
  readonly #receiving = new Map<number, Receiving<T>>();

  /** `maxBytes`: the worker's body limit; the parts of a larger body are not kept. */
  constructor(maxBytes: number) {
    this.#maxBytes = maxBytes;
  }

  /** `id`'s body is about to come (its CONTINUE is being sent). */
  start(id: number, request: T): void {
    this.#receiving.set(id, { request, parts: [], bytes: 0 });
  }

  /** The next part of `id`'s body; one for a body given up on is ignored. */
  part(id: number, part: Buffer): void {
    const receiving = this.#receiving.get(id);
    if (receiving === undefined) {
      return;
    }
    receiving.bytes += part.length;
    if (receiving.bytes > this.#maxBytes) {
      receiving.parts = [];
    } else {
      receiving.parts.push(part);
    }
  }

  /**
   * `id`'s body is complete: its request, and the body as one buffer of its own (joined once; it no longer
   * shares memory with the frames), or its size alone when it went over the limit.
   */
  end(id: number): { request: T; body: Buffer | undefined; bytes: number } | undefined {
    const receiving = this.#receiving.get(id);
    if (receiving === undefined) {
      return undefined;
    }
    this.#receiving.delete(id);
    const { request, parts, bytes } = receiving;
    return { request, body: bytes > this.#maxBytes ? undefined : Buffer.concat(parts, bytes), bytes };
  }

  /** The edge gave `id` up. */
  cancel(id: number): void {
    this.#receiving.delete(id);
  }

  /** The connection closed. */
  clear(): void {
    this.#receiving.clear();
  }
}
