/**
 * The backend's answer to one `forward-request`, written as an undici dispatch handler like the edge's
 * `/api` exchange (`edge/proxy/_exchange.ts`), so no stream sits between the two sockets (decision 0034):
 * {@link BackendExchange.head} resolves at the status and headers; while the outbound policies run, the
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
import type { BackendBody } from './types.js';

/** The status and headers of the backend's final answer. */
export interface BackendHead {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
}

/**
 * How much of a body is held while its fate is not known yet (Node's default stream buffer): past it, the
 * backend connection is paused until the body is sent or dropped, so a large body waits on the socket.
 */
export const HOLD_BYTES = 16 * 1024;

/** Raised on the backend call when the caller went away; never shown to anyone. */
class CallerGoneError extends Error {
  override name = 'CallerGoneError';
}

/** One backend call: a dispatch handler for undici and, once the head came, the {@link BackendBody}. */
export class BackendExchange implements Dispatcher.DispatchHandler, BackendBody {
  /** Resolves at the final status and headers; rejects when the call fails before them. */
  readonly head: Promise<BackendHead>;
  #resolveHead: (head: BackendHead) => void = ignore;
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
      this.#resolveHead({ status: statusCode, headers });
    }
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    const res = this.#res;
    if (res !== undefined) {
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
      this.#rejectHead(error);
      return;
    }
    this.#failed = true;
    this.#held = undefined;
    // A body cut short cuts the caller's answer too: it must not look complete.
    this.#res?.destroy();
  }

  /** Writes the body into `res` (its head set by the caller) and ends it; resolves when `res` closes. */
  sendTo(res: ServerResponse): Promise<void> {
    if (this.#failed || res.destroyed) {
      res.destroy();
      this.#abort();
      return Promise.resolve();
    }
    const held = this.#held;
    this.#held = undefined;
    for (const chunk of held ?? []) {
      res.write(chunk);
    }
    if (this.#ended) {
      res.end();
      return Promise.resolve();
    }
    this.#res = res;
    // `on`, not `once`: 'close' fires once anyway, and `once` would wrap the listener for every call.
    res.on('close', () => this.#onClose());
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

function ignore(): void {}
