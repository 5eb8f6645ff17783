/**
 * One request to the dev server as an undici dispatch handler, so its bytes go straight to the client's
 * `ServerResponse` without an intermediate stream (as the `/api` proxy does, decision 0003). The answer's
 * head is handed over first, so the pipeline can decide (relay it, or discard it for the navigation
 * fallback or a 404 override) before any body byte is written; chunks that arrive before that decision
 * are held, with the upstream paused.
 *
 * Invariant: the head promise settles exactly once; after it, exactly one of relay or discard consumes
 * the body, and the promise it returns always settles (end, error, or the client going away).
 */
import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import type { Dispatcher } from 'undici';
import type { DevServerAnswer } from './types.js';

/** A sink for the body: the client's response, or nothing (discarded). */
type Sink = { readonly res: ServerResponse | undefined; readonly done: () => void };

export class DevServerExchange implements Dispatcher.DispatchHandler {
  readonly #resolveHead: (answer: DevServerAnswer) => void;
  readonly #rejectHead: (error: Error) => void;
  #headSent = false;
  #controller: Dispatcher.DispatchController | undefined;
  #held: Buffer[] = [];
  #ended = false;
  #failed = false;
  #sink: Sink | undefined;

  constructor(resolve: (answer: DevServerAnswer) => void, reject: (error: Error) => void) {
    this.#resolveHead = resolve;
    this.#rejectHead = reject;
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
  }

  onResponseStart(
    controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: IncomingHttpHeaders,
  ): void {
    // 1xx interim answers are the dev server's business; the client gets the final one.
    if (statusCode < 200 || this.#headSent) {
      return;
    }
    this.#controller = controller;
    this.#headSent = true;
    this.#resolveHead({
      status: statusCode,
      headers,
      relay: (res) => this.#attach(res),
      discard: () => this.#attach(undefined),
    });
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    const sink = this.#sink;
    if (sink === undefined) {
      this.#held.push(chunk);
      controller.pause();
    } else if (sink.res !== undefined && !sink.res.write(chunk) && !controller.paused) {
      controller.pause();
      sink.res.once('drain', () => controller.resume());
    }
  }

  onResponseEnd(): void {
    this.#ended = true;
    if (this.#sink !== undefined) {
      this.#sink.res?.end();
      this.#sink.done();
    }
  }

  /** Called with no controller when dispatch itself failed, so it must not use its first argument. */
  onResponseError(_controller: Dispatcher.DispatchController | undefined, error: Error): void {
    if (!this.#headSent) {
      this.#headSent = true;
      this.#rejectHead(error);
      return;
    }
    this.#failed = true;
    if (this.#sink !== undefined) {
      this.#sink.res?.destroy();
      this.#sink.done();
    }
  }

  /** Hands the body to `res` (or drops it): held chunks first, then the rest as it comes. */
  #attach(res: ServerResponse | undefined): Promise<void> {
    return new Promise((done) => {
      if (res?.destroyed) {
        // The client left while the dev server was still thinking: nothing to relay to.
        this.#controller?.abort(new Error('the client closed the connection'));
        return done();
      }
      this.#sink = { res, done };
      for (const chunk of this.#held) {
        res?.write(chunk);
      }
      this.#held = [];
      if (this.#ended || this.#failed) {
        if (this.#failed) {
          res?.destroy();
        } else {
          res?.end();
        }
        return done();
      }
      res?.once('close', () => {
        if (!res.writableFinished) {
          this.#controller?.abort(new Error('the client closed the connection'));
          done();
        }
      });
      this.#controller?.resume();
    });
  }
}
