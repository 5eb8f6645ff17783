/**
 * One proxied request/response pair, written as an undici dispatch handler so the backend's bytes go
 * straight to the `ServerResponse` with no intermediate stream (the same reason undici's own
 * `Dispatcher.stream` exists). A class, not closures: undici calls its methods by name, and one object
 * per request keeps the hot path small.
 *
 * Invariant: whichever of upstream end, upstream error, timeout or client close comes first "finishes"
 * the exchange; everything that comes later is ignored, so the client gets exactly one answer.
 */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { Transform, type TransformCallback } from 'node:stream';
import type { Dispatcher } from 'undici';
import { PorticoError } from '../../shared/errors.js';
import { type ApiCallEvent, eventChannel } from '../../shared/events.js';
import type { Logger } from '../../shared/logger.js';
import { onResponseClose } from '../../shared/response-close.js';
import { createResponseHeaders, createUpstreamHeaders } from './_headers.js';
import {
  createBodyTooLargeError,
  createClientBodyTimeoutError,
  createTimeoutError,
  describeUnavailable,
  isConnectFailure,
  sendProxyError,
  toProxyError,
  unavailableCodeOf,
} from './_replies.js';
import type { ProxyTarget, UpstreamDispatcher } from './types.js';

/** Frozen settings shared by every exchange of one proxy. */
export interface ExchangeSettings {
  readonly upstreamUrl: string;
  /** See {@link ApiProxyOptions.upstreamSocketPath}. */
  readonly upstreamSocketPath?: string;
  /** Path prefix from the upstream URL (`''` for an origin). */
  readonly basePath: string;
  readonly timeoutMs: number;
  /** See {@link ApiProxyOptions.clientBodyIdleMs}. */
  readonly clientBodyIdleMs: number;
  readonly maxBodyBytes: number;
  readonly logger: Logger;
  readonly hostHeader?: string;
  /** See {@link ApiProxyOptions.keepSiteHost}. */
  readonly keepSiteHost?: boolean;
  /** Appended to the public 502 of an unreachable backend (what to do about it). */
  readonly unreachableHint?: string;
  /** See {@link ApiProxyOptions.cutReason}. */
  readonly cutReason?: string;
  /** See {@link ApiProxyOptions.stopCause}. */
  readonly stopCause?: () => string | undefined;
  /** See {@link ApiProxyOptions.whenUpstreamReady}. */
  readonly whenUpstreamReady?: () => Promise<void>;
}

/** How many times a request without a body is sent again after the backend refused the connection. */
const MAX_RESENDS = 5;
/** Pause before each resend, times the attempt: the supervisor may not have seen the crash yet. */
const RESEND_PAUSE_MS = 20;

type ApiCallOutcome = Extract<ApiCallEvent, { phase: 'end' }>['outcome'];

const START_EVENT: ApiCallEvent = Object.freeze({ phase: 'start' });

/**
 * The `apiCall` channel, looked up once (as `linked-gateway.ts` does): two lookups and an event closure
 * per call were measurable on the `/api` hot path, and an event is built only when someone listens.
 */
const API_CALLS = eventChannel('apiCall');

/** What a failed exchange counts as in the metrics. */
function outcomeOf(failure: PorticoError): ApiCallOutcome {
  if (failure.code === 'PROXY_BACKEND_TIMEOUT') {
    return 'timeout';
  }
  return failure.code === 'PROXY_BACKEND_UNAVAILABLE' ? 'unreachable' : 'aborted';
}

/** Raised upstream when the client goes away; never shown to anyone. */
class ClientGoneError extends Error {
  override name = 'ClientGoneError';
}

export class ProxyExchange implements Dispatcher.DispatchHandler {
  readonly #req: IncomingMessage;
  readonly #res: ServerResponse;
  readonly #settings: ExchangeSettings;
  readonly #resolve: () => void;
  readonly #timer: NodeJS.Timeout;
  readonly #body: Transform | null;
  /** Runs while the request body is awaited from the client; restarted by each part, stopped at its end. */
  #bodyTimer: NodeJS.Timeout | undefined;
  /** When the client last sent a part of its body, paused or resumed (`performance.now()`). */
  #lastBodyActivity = 0;
  #controller: Dispatcher.DispatchController | undefined;
  #abortReason: Error | undefined;
  #done = false;
  #resends = 0;
  #pool: UpstreamDispatcher | undefined;
  #target: ProxyTarget | undefined;
  readonly #startedAt = performance.now();
  /** Bytes of a declared (`Content-Length`) response body still to come; -1 when none is declared. */
  #unread = -1;
  /** The body's last part, held for `end()` so the response goes out in one call. */
  #last: Buffer | undefined;

  constructor(req: IncomingMessage, res: ServerResponse, settings: ExchangeSettings, resolve: () => void) {
    this.#req = req;
    this.#res = res;
    this.#settings = settings;
    this.#resolve = resolve;
    this.#body = hasBody(req) ? this.#pipeBody() : null;
    this.#timer = setTimeout(this.#onTimeout, settings.timeoutMs);
    if (this.#body !== null) {
      this.#watchClientBody();
    }
    onResponseClose(res, this.#onClientClose);
    if (API_CALLS.hasSubscribers) {
      API_CALLS.publish(START_EVENT);
    }
  }

  /** Sends the request on a pooled keep-alive connection, once the backend is ready when that is known. */
  start(pool: UpstreamDispatcher, target: ProxyTarget): void {
    this.#pool = pool;
    this.#target = target;
    if (this.#settings.whenUpstreamReady === undefined) {
      this.#dispatch(pool, target);
    } else {
      this.#dispatchWhenReady(0);
    }
  }

  /** Holds the request until the backend is ready (the exchange timer still runs), then sends it. */
  #dispatchWhenReady(pauseMs: number): void {
    const { whenUpstreamReady } = this.#settings;
    const pause = pauseMs > 0 ? new Promise((resolve) => setTimeout(resolve, pauseMs)) : undefined;
    Promise.resolve(pause)
      .then(() => whenUpstreamReady?.())
      .then(
        () => {
          if (!this.#done && this.#pool !== undefined && this.#target !== undefined) {
            this.#dispatch(this.#pool, this.#target);
          }
        },
        (error: unknown) => {
          if (this.#finish('unreachable')) {
            this.#fail(toGateError(error));
          }
        },
      );
  }

  #dispatch(pool: UpstreamDispatcher, target: ProxyTarget): void {
    const options: Dispatcher.DispatchOptions = {
      path: this.#settings.basePath + target.pathAndQuery,
      method: this.#req.method ?? 'GET',
      headers: createUpstreamHeaders(
        this.#req,
        target,
        this.#settings.hostHeader ??
          (this.#settings.keepSiteHost === true ? target.forwardedHost : undefined),
      ),
      body: this.#body,
    };
    pool.dispatch(options, this);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    if (this.#done) {
      controller.abort(this.#abortReason ?? new ClientGoneError('exchange already finished'));
      return;
    }
    this.#controller = controller;
  }

  onResponseStart(
    _controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: IncomingHttpHeaders,
    statusMessage?: string,
  ): void {
    // 1xx interim answers are the backend's business; the client gets the final one.
    if (statusCode >= 200 && !this.#done) {
      this.#res.writeHead(statusCode, statusMessage || undefined, createResponseHeaders(headers));
      this.#unread = declaredLength(headers['content-length']);
    }
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.#unread !== -1) {
      this.#unread -= chunk.length;
      if (this.#unread === 0) {
        // The whole declared body is here: the end follows at once, and ends the response with it.
        this.#last = chunk;
        return;
      }
    }
    if (!this.#res.write(chunk) && !controller.paused) {
      controller.pause();
      this.#res.once('drain', () => controller.resume());
    }
  }

  onResponseEnd(): void {
    if (this.#finish('ok')) {
      this.#res.end(this.#last);
    }
  }

  /** Called with no controller when dispatch itself failed, so it must not use its first argument. */
  onResponseError(_controller: Dispatcher.DispatchController | undefined, error: Error): void {
    if (this.#canResend(error)) {
      this.#resends += 1;
      this.#controller = undefined;
      this.#dispatchWhenReady(RESEND_PAUSE_MS * this.#resends);
      return;
    }
    const failure = toProxyError(error, this.#settings.unreachableHint, this.#settings.cutReason);
    if (this.#finish(outcomeOf(failure))) {
      this.#fail(failure);
    }
  }

  /**
   * A refused connection means nothing of the request reached the backend, so a request without a body
   * can be sent again once its host says the backend is back (a restarting worker, item 5.6 of issue 13).
   */
  #canResend(error: Error): boolean {
    return (
      !this.#done &&
      this.#settings.whenUpstreamReady !== undefined &&
      this.#body === null &&
      this.#resends < MAX_RESENDS &&
      !this.#res.headersSent &&
      isConnectFailure(error)
    );
  }

  #onTimeout = (): void => {
    // The body is still awaited from a client that has sent nothing of it for as long as the limit: the
    // client is late, not the backend (an API timeout at or under the client-body idle limit). A client
    // still sending, only slowly, meets the API timeout like any call.
    if (this.#isAwaitingClientBody() && this.#clientSilentFor() >= this.#clientIdleLimit()) {
      this.#onClientBodyIdle();
      return;
    }
    if (this.#finish('timeout')) {
      const error = createTimeoutError(this.#settings.timeoutMs);
      this.#abortUpstream(error);
      this.#fail(error);
    }
  };

  /**
   * Times the client's silence while its body is awaited: each part restarts the timer, and so does a
   * pause or resume (while the backend, or the managed functions' body budget, holds the body back, the
   * client is not being waited on: decision 0112). The end of the body stops it.
   */
  #watchClientBody(): void {
    const req = this.#req;
    this.#lastBodyActivity = performance.now();
    if (this.#settings.clientBodyIdleMs < this.#settings.timeoutMs) {
      this.#bodyTimer = setTimeout(() => this.#onClientBodyIdle(), this.#settings.clientBodyIdleMs);
    }
    // Through the field: once stopped (the exchange finished), a part still arriving restarts nothing.
    const restart = () => {
      this.#lastBodyActivity = performance.now();
      this.#bodyTimer?.refresh();
    };
    req.on('data', restart);
    req.on('pause', restart);
    req.on('resume', restart);
    req.once('end', () => this.#stopWatchingClientBody());
  }

  #stopWatchingClientBody(): void {
    if (this.#bodyTimer !== undefined) {
      clearTimeout(this.#bodyTimer);
      this.#bodyTimer = undefined;
    }
  }

  /** Milliseconds since the client last sent a part of its body (or since the call began). */
  #clientSilentFor(): number {
    // Timers fire no earlier than asked, from a moment just after the last activity was noted.
    return performance.now() - this.#lastBodyActivity + 1;
  }

  /** How long a client may send nothing of its body: the idle limit, or the API timeout if shorter. */
  #clientIdleLimit(): number {
    return Math.min(this.#settings.clientBodyIdleMs, this.#settings.timeoutMs);
  }

  /** True while the body has not all come and nothing holds it back but the client. */
  #isAwaitingClientBody(): boolean {
    return this.#body !== null && !this.#req.complete && this.#req.readableFlowing === true;
  }

  /** A method, not a field: only an exchange with a request body needs it bound (a closure per call). */
  #onClientBodyIdle(): void {
    if (!this.#isAwaitingClientBody()) {
      // Held back on this side (backpressure): the client is not late; look again a full period later.
      this.#bodyTimer?.refresh();
      return;
    }
    if (this.#finish('aborted')) {
      const error = createClientBodyTimeoutError(this.#clientIdleLimit());
      this.#abortUpstream(error);
      this.#fail(error);
    }
  }

  #onClientClose = (): void => {
    if (!this.#res.writableFinished && this.#finish('aborted')) {
      this.#settings.logger.debug(`/api ${this.#describe()}: aborted by the client`);
      this.#abortUpstream(new ClientGoneError('the client closed the connection'));
    }
  };

  /** Marks the exchange finished; true only for the first caller, whose outcome is reported. */
  #finish(outcome: ApiCallOutcome): boolean {
    if (this.#done) {
      return false;
    }
    this.#done = true;
    this.#stopWatchingClientBody();
    if (API_CALLS.hasSubscribers) {
      const seconds = (performance.now() - this.#startedAt) / 1000;
      API_CALLS.publish({ phase: 'end', outcome, seconds } satisfies ApiCallEvent);
    }
    clearTimeout(this.#timer);
    this.#releaseBody();
    this.#resolve();
    return true;
  }

  #fail(error: PorticoError): void {
    if (error.code !== 'PROXY_BODY_TOO_LARGE') {
      // The public body never names the backend nor the error code; the log line says both.
      const { upstreamSocketPath, upstreamUrl } = this.#settings;
      const code = unavailableCodeOf(error);
      const cause = error.code === 'PROXY_BACKEND_UNAVAILABLE' ? this.#settings.stopCause?.() : undefined;
      const where =
        error.code === 'PROXY_BACKEND_UNAVAILABLE'
          ? ` (${code === undefined ? '' : `${code}, `}backend ${upstreamSocketPath === undefined ? upstreamUrl : `socket ${upstreamSocketPath}`}${cause === undefined ? '' : `; ${cause}`})`
          : '';
      this.#settings.logger.warn(`/api ${this.#describe()}: ${error.message}${where}`);
    }
    sendProxyError(this.#req, this.#res, error);
  }

  /** Method and path for log lines; the query is left out, as it may carry tokens. */
  #describe(): string {
    return `${this.#req.method ?? ''} ${(this.#req.url ?? '').split('?', 1)[0] ?? ''}`;
  }

  #abortUpstream(reason: Error): void {
    this.#abortReason = reason;
    if (this.#controller !== undefined && !this.#controller.aborted) {
      this.#controller.abort(reason);
    }
  }

  /**
   * The request body goes upstream through a counting stream, never as `req` itself: undici destroys a
   * body stream it gives up on, and destroying `req` would kill the client socket before the 413, 500 or
   * 502 could be written.
   */
  #pipeBody(): Transform {
    const limiter = createBodyLimiter(this.#settings.maxBodyBytes);
    // Errors are reported to undici, which listens; this guard covers the time after it stopped listening.
    limiter.on('error', ignoreError);
    return this.#req.pipe(limiter);
  }

  /** Detaches the body stream; a body the backend did not read is discarded so the socket stays usable. */
  #releaseBody(): void {
    if (this.#body !== null) {
      this.#req.unpipe(this.#body);
      this.#body.destroy();
      if (!this.#req.complete) {
        this.#req.resume();
      }
    }
  }
}

/** A host's refusal as the public answer: its own proxy error, else only the catalog summary of its code. */
function toGateError(error: unknown): PorticoError {
  return error instanceof PorticoError && error.code.startsWith('PROXY_')
    ? error
    : describeUnavailable(error, 'The API backend is not running');
}

/** True when the request carries a body (RFC 9112 §6.3: a length or a transfer coding). */
function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return (length !== undefined && length !== '0') || req.headers['transfer-encoding'] !== undefined;
}

/** A pass-through stream that fails with a 413 error once more than `maxBytes` went through. */
function createBodyLimiter(maxBytes: number): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
      seen += chunk.length;
      if (seen > maxBytes) {
        callback(createBodyTooLargeError(maxBytes));
      } else {
        callback(null, chunk);
      }
    },
  });
}

function ignoreError(): void {}

/** A `Content-Length` as a positive byte count, or -1. */
function declaredLength(value: string | string[] | undefined): number {
  const length = typeof value === 'string' ? Number(value) : Number.NaN;
  return Number.isSafeInteger(length) && length > 0 ? length : -1;
}
