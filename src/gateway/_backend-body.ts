/**
 * The backend's answer to one `forward-request`, written as an undici dispatch handler like the edge's
 * `/api` exchange (`edge/proxy/_exchange.ts`), so no stream sits between the two sockets (decision 0034):
 * at the status and headers, {@link BackendExchange.acceptHead} runs in undici's callback and then
 * {@link BackendExchange.head} resolves (one promise per call, decision 0040); while the outbound policies run, the
 * first {@link HOLD_BYTES} of the body are held and the backend connection is paused only beyond them
 * (decision 0037: a small answer, the common case, never pauses and resumes the parser); then
 * {@link BackendExchange.sendTo} writes the held chunks and each further chunk straight into the caller's
 * response, or {@link BackendExchange.discard} drops them and reads the rest to nowhere so the connection
 * can be reused.
 *
 * Invariant: the body has one fate (sent or discarded). Once it is sent, the caller's response closing
 * settles {@link BackendExchange.sendTo}, whether the backend ended, failed (the response is cut) or the
 * caller went away first (the backend call is aborted).
 */
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import type { Dispatcher } from 'undici';
import { onResponseClose } from '../shared/response-close.js';
import type { BackendBody } from './types.js';

/**
 * How much of a body is held while its fate is not known yet (Node's default stream buffer): past it, the
 * backend connection is paused until the body is sent or dropped, so a large body waits on the socket.
 */
export const HOLD_BYTES = 16 * 1024;

/** Raised on the backend call when the caller went away; never shown to anyone. */
class CallerGoneError extends Error {
  override name = 'CallerGoneError';
}

/**
 * One backend call: a dispatch handler for undici and, once the head came, the {@link BackendBody}. A
 * subclass says what the head means ({@link acceptHead}) and what a call that failed before it rejects
 * with ({@link headError}), so the call needs no promise of its own on top of {@link head}.
 */
export class BackendExchange implements Dispatcher.DispatchHandler, BackendBody {
  /** Resolves once {@link acceptHead} took the final status and headers; rejects when it threw, or when the call failed before them. */
  readonly head: Promise<void>;
  #resolveHead: () => void = ignore;
  #rejectHead: (error: Error) => void = ignore;
  #gotHead = false;
  #controller: Dispatcher.DispatchController | undefined;
  /** The caller's response, once the body is being sent. */
  #res: ServerResponse | undefined;
  #discarding = false;
  /** Chunks that came before the body had a fate, and their size. */
  #held: Buffer[] | undefined;
  #heldBytes = 0;
  #ended = false;
  #failed = false;
  #settle: () => void = ignore;
  #sentBytes = 0;

  constructor() {
    this.head = new Promise((resolve, reject) => {
      this.#resolveHead = resolve;
      this.#rejectHead = reject;
    });
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
  }

  onResponseStart(
    _controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: IncomingHttpHeaders,
  ): void {
    // 1xx interim answers are the backend's business; the policies see the final one.
    if (statusCode >= 200) {
      this.#gotHead = true;
      try {
        this.acceptHead(statusCode, headers);
        this.#resolveHead();
      } catch (error) {
        this.#rejectHead(error as Error);
      }
    }
  }

  /**
   * Takes the final status and headers, in undici's callback, before {@link head} resolves; a throw
   * rejects {@link head} with what was thrown (whoever throws decides the body's fate first).
   */
  protected acceptHead(_status: number, _headers: IncomingHttpHeaders): void {}

  /** What {@link head} rejects with when the call failed before its head. */
  protected headError(error: Error): Error {
    return error;
  }

  /** The bytes of the body handed to the caller's response. */
  get sentBytes(): number {
    return this.#sentBytes;
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    const res = this.#res;
    if (res !== undefined) {
      this.#sentBytes += chunk.length;
      if (!res.write(chunk) && !controller.paused) {
        controller.pause();
        res.once('drain', () => this.#resume());
      }
    } else if (!this.#discarding) {
      this.#held ??= [];
      this.#held.push(chunk);
      this.#heldBytes += chunk.length;
      if (this.#heldBytes >= HOLD_BYTES && !controller.paused) {
        controller.pause();
      }
    }
  }

  onResponseEnd(): void {
    this.#ended = true;
    this.#res?.end();
  }

  /** Called with no controller when dispatch itself failed, so it must not use its first argument. */
  onResponseError(_controller: Dispatcher.DispatchController | undefined, error: Error): void {
    if (!this.#gotHead) {
      this.#rejectHead(this.headError(error));
      return;
    }
    this.#failed = true;
    this.#held = undefined;
    // A body cut short cuts the caller's answer too: it must not look complete.
    this.#res?.destroy();
  }

  /**
   * Writes the body into `res` (its head set by the caller) and ends it; undefined when that is done at
   * once (the body had ended), otherwise a promise that resolves when `res` closes.
   */
  sendTo(res: ServerResponse): Promise<void> | undefined {
    if (this.#failed || res.destroyed) {
      res.destroy();
      this.#abort();
      return undefined;
    }
    const held = this.#held;
    this.#held = undefined;
    this.#sentBytes += this.#heldBytes;
    if (this.#ended) {
      endWith(res, held);
      return undefined;
    }
    for (const chunk of held ?? []) {
      res.write(chunk);
    }
    this.#res = res;
    onResponseClose(res, () => this.#onClose());
    const settled = new Promise<void>((resolve) => {
      this.#settle = resolve;
    });
    this.#resume();
    return settled;
  }

  /** Drops the body; the connection is kept when the backend finishes it. */
  discard(): void {
    this.#held = undefined;
    if (this.#res === undefined && !this.#discarding) {
      this.#discarding = true;
      this.#resume();
    }
  }

  // Methods, not arrow fields: their listeners are made only when needed (most bodies end before sendTo).
  #resume(): void {
    if (!this.#ended && !this.#failed) {
      this.#controller?.resume();
    }
  }

  #onClose(): void {
    if (!this.#ended && !this.#failed) {
      this.#abort();
    }
    this.#settle();
  }

  #abort(): void {
    const controller = this.#controller;
    if (!this.#ended && !this.#failed && controller !== undefined && !controller.aborted) {
      controller.abort(new CallerGoneError('the caller closed the connection'));
    }
  }
}

/**
 * Writes `chunks` and ends `res`. With a declared length the last chunk goes with `end` (one write call
 * less, same bytes); without one, `end(chunk)` would make Node declare a length instead of chunking, so
 * every chunk is written first as before.
 */
function endWith(res: ServerResponse, chunks: Buffer[] | undefined): void {
  if (chunks === undefined || chunks.length === 0 || !res.hasHeader('content-length')) {
    for (const chunk of chunks ?? []) {
      res.write(chunk);
    }
    res.end();
    return;
  }
  const last = chunks.length - 1;
  for (let i = 0; i < last; i += 1) {
    res.write(chunks[i]);
  }
  res.end(chunks[last]);
}

function ignore(): void {}
