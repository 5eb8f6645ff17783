/**
 * The edge's side of the frame protocol (decision 0036, `worker/frames.ts`): a dispatcher with undici's
 * `dispatch(options, handler)` contract, so the `/api` proxy drives it exactly as it drives an undici
 * `Pool` (same handler, same timeouts, same error mapping), but each exchange is one request frame and one
 * response frame on a few long-lived connections to the workers, many exchanges in flight on each.
 *
 * What the worker sees is what HTTP would have given it: the header lines undici would have written
 * (`host` and `connection` first, the body's length last), refused where undici would refuse them, with
 * undici's own error classes, so the proxy answers alike. An app with HTTP streaming (the worker answers
 * USE_HTTP, or the host says so up front) is reached over HTTP instead.
 *
 * A request body streamed from the client is never held whole here (decision 0112): it goes to the worker
 * in parts once the worker asks for it, each part read from the client only when the environment's
 * request-body budget has room, so a worker that reads slowly leaves its clients' bytes unread in their
 * sockets (TCP closes their window) instead of in this process.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { Readable } from 'node:stream';
import type { Dispatcher, Pool } from 'undici';
import { undici } from '../shared/undici.js';
import { ByteBudget, ENVIRONMENT_REQUEST_BODY_BYTES, TOTAL_REQUEST_BODY_BYTES } from './byte-budget.js';
import {
  createBatchedWriter,
  encodeFrame,
  FRAME,
  type Frame,
  FrameReader,
  type FrameWriter,
  isHeaderList,
  lengthLine,
  MAX_RESPONSE_FRAME_BYTES,
} from './worker/frames.js';

/** What the `/api` proxy needs of a transport: undici's dispatch contract, and a way to close it. */
export interface ApiDispatcher {
  dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean;
  destroy(): Promise<void>;
}

/** Where and how the dispatcher reaches the app. */
export interface FrameDispatcherOptions {
  /** The socket of frame connections. */
  readonly frameSocketPath: string;
  /** The app's HTTP socket, for an app that streams HTTP bodies. */
  readonly httpSocketPath: string;
  /** `http://127.0.0.1:<port>`: the `Host` a request gets when it has none, as undici would send. */
  readonly origin: string;
  /** True while the app streams HTTP bodies (then every request goes over HTTP). */
  readonly streaming: () => boolean;
  /** How many frame connections to keep at most (two per worker process spreads them over the workers). */
  readonly maxConnections: () => number;
  /**
   * The request-body bytes the whole process may hold on their way to workers
   * ({@link TOTAL_REQUEST_BODY_BYTES}; shared by every environment's dispatcher). Default: its own.
   */
  readonly requestBodies?: ByteBudget;
}
/** undici's header value check: tab, visible ASCII and obs-text only. */
const INVALID_VALUE = /[^\t\x20-\x7e\x80-\xff]/;
/** undici's token check for header names. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** undici's request path check. */
const INVALID_PATH = /[^\u0021-\u00ff]/;

/** Creates the dispatcher; nothing connects until the first request. */
export function createFrameDispatcher(options: FrameDispatcherOptions): ApiDispatcher {
  return new FrameDispatcher(options);
}

class FrameDispatcher implements ApiDispatcher {
  readonly #options: FrameDispatcherOptions;
  readonly #host: string;
  #links: FrameLink[] = [];
  #nextId = 1;
  #http: Pool | undefined;
  #destroyed = false;
  /** What this environment's request bodies may hold here, inside the process's budget. */
  readonly budget: ByteBudget;

  constructor(options: FrameDispatcherOptions) {
    this.#options = options;
    this.#host = new URL(options.origin).host;
    this.budget = new ByteBudget(
      ENVIRONMENT_REQUEST_BODY_BYTES,
      options.requestBodies ?? new ByteBudget(TOTAL_REQUEST_BODY_BYTES),
    );
  }

  dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    if (this.#destroyed) {
      handler.onResponseError?.(undefined as never, new (undici().errors.ClientDestroyedError)());
      return false;
    }
    if (this.#options.streaming()) {
      return this.dispatchOverHttp(options, handler);
    }
    new FrameExchange(this, options, handler).start(this.#host);
    return true;
  }

  dispatchOverHttp(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    this.#http ??= new (undici().Pool)(this.#options.origin, {
      connect: { socketPath: this.#options.httpSocketPath },
    });
    return this.#http.dispatch(options, handler);
  }

  /** Sends a request frame on the least busy connection, opening one while there are fewer than allowed. */
  send(exchange: FrameExchange, encode: (id: number) => readonly (Buffer | undefined)[]): FrameLink {
    const link = this.#pick();
    link.send(this.#nextId, exchange, encode(this.#nextId));
    this.#nextId = this.#nextId >= 0xffff_fff0 ? 1 : this.#nextId + 1;
    return link;
  }

  #pick(): FrameLink {
    let best: FrameLink | undefined;
    for (const link of this.#links) {
      if (link.usable && (best === undefined || link.inFlight < best.inFlight)) {
        best = link;
      }
    }
    if (best === undefined || (best.inFlight > 0 && this.#links.length < this.#options.maxConnections())) {
      best = new FrameLink(this.#options.frameSocketPath, (gone) => {
        this.#links = this.#links.filter((link) => link !== gone);
      });
      this.#links.push(best);
    }
    return best;
  }

  async destroy(): Promise<void> {
    this.#destroyed = true;
    for (const link of this.#links) {
      link.destroy(new (undici().errors.ClientDestroyedError)());
    }
    this.#links = [];
    await this.#http?.destroy();
  }
}

/**
 * One frame connection and the exchanges waiting for their answer on it. Requests wait here, unwritten,
 * until the worker's HELLO; one given up on meanwhile is never written; a connection that ends before it
 * fails them as refused (nothing was sent), so the proxy sends them again as it does after a refused HTTP
 * connection.
 */
class FrameLink {
  readonly #socket: Socket;
  /** Answers come in bounded frames (a large body in parts), so a longer one is a broken worker. */
  readonly #reader = new FrameReader(MAX_RESPONSE_FRAME_BYTES);
  readonly #pending = new Map<number, FrameExchange>();
  readonly #onGone: (link: FrameLink) => void;
  /** Request frames sent before the worker's HELLO, by id, in order; `undefined` once it came. */
  #unsent: Map<number, readonly (Buffer | undefined)[]> | undefined = new Map();
  readonly #write: FrameWriter;
  #goingAway = false;
  #closed = false;

  constructor(path: string, onGone: (link: FrameLink) => void) {
    this.#onGone = onGone;
    this.#socket = connect(path);
    this.#write = createBatchedWriter(this.#socket);
    this.#socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    this.#socket.on('error', (error) => this.destroy(error));
    this.#socket.on('close', () => this.destroy(new (undici().errors.SocketError)('other side closed')));
  }

  get usable(): boolean {
    return !this.#goingAway && !this.#closed;
  }

  get inFlight(): number {
    return this.#pending.size;
  }

  send(id: number, exchange: FrameExchange, parts: readonly (Buffer | undefined)[]): void {
    this.#pending.set(id, exchange);
    exchange.sentAs(id);
    if (this.#unsent !== undefined) {
      this.#unsent.set(id, parts);
      return;
    }
    this.#write(parts);
  }

  /**
   * The exchange gave up (timeout, client gone, request body too large): a request still waiting for the
   * HELLO is never written, and the answer to one already written, if it comes, is dropped; a body coming
   * in parts, either way, is cancelled, so the worker stops sending it, or drops what it assembled.
   */
  forget(id: number, inParts = false): void {
    this.#pending.delete(id);
    this.#unsent?.delete(id);
    if (inParts) {
      this.#write(encodeFrame(FRAME.CANCEL, id, undefined));
    }
    this.#closeIfDone();
  }

  /** The next part of `id`'s request body; `onFlushed` once its bytes left this process. */
  sendPart(id: number, part: Buffer, onFlushed: () => void): void {
    this.#write(encodeFrame(FRAME.DATA, id, undefined, part), onFlushed);
  }

  /** `id`'s request body is complete. */
  endBody(id: number): void {
    this.#write(encodeFrame(FRAME.END, id, undefined));
  }

  /** The client took `bytes` of `id`'s body: the worker may send as many more. */
  credit(id: number, bytes: number): void {
    this.#write(encodeFrame(FRAME.CREDIT, id, bytes));
  }

  destroy(error: Error): void {
    if (this.#closed) {
      return;
    }
    if (this.#unsent !== undefined) {
      error = refusedError(error);
    }
    this.#closed = true;
    this.#socket.destroy();
    this.#onGone(this);
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    for (const exchange of pending) {
      exchange.fail(error);
    }
  }

  #onData(chunk: Buffer): void {
    let frames: Frame[];
    try {
      frames = this.#reader.push(chunk);
    } catch (error) {
      this.destroy(new (undici().errors.SocketError)(`broken answer from the API worker: ${String(error)}`));
      return;
    }
    for (const frame of frames) {
      this.#onFrame(frame);
    }
  }

  #onFrame(frame: Frame): void {
    if (frame.type === FRAME.HELLO) {
      const unsent = this.#unsent;
      this.#unsent = undefined;
      for (const parts of unsent?.values() ?? []) {
        this.#write(parts);
      }
      return;
    }
    if (frame.type === FRAME.GOAWAY) {
      this.#goingAway = true;
      this.#onGone(this);
      this.#closeIfDone();
      return;
    }
    const exchange = this.#pending.get(frame.id);
    if (frame.type === FRAME.DATA) {
      exchange?.part(frame.body);
      return;
    }
    if (frame.type === FRAME.CONTINUE) {
      exchange?.sendBody();
      return;
    }
    if (frame.type === FRAME.RESPONSE && isResponseHead(frame.head) && frame.head[2] === true) {
      this.#respondInParts(frame.id, frame.head, exchange);
      return;
    }
    this.#pending.delete(frame.id);
    if (frame.type === FRAME.END) {
      exchange?.end();
    } else if (frame.type === FRAME.USE_HTTP) {
      exchange?.useHttp();
    } else if (frame.type === FRAME.RESPONSE && isResponseHead(frame.head)) {
      // The header object undici hands its handlers, made by undici's own parser.
      exchange?.respond(frame.head[0], undici().util.parseHeaders(frame.head[1]), frame.body);
    } else {
      exchange?.fail(new (undici().errors.SocketError)('broken answer from the API worker'));
    }
    this.#closeIfDone();
  }

  /** The head of a body coming in parts; one for an exchange given up on is cancelled at once. */
  #respondInParts(id: number, head: [number, string[], true?], exchange: FrameExchange | undefined): void {
    if (exchange === undefined) {
      this.#write(encodeFrame(FRAME.CANCEL, id, undefined));
      return;
    }
    exchange.respondInParts(head[0], undici().util.parseHeaders(head[1]), (bytes) => this.credit(id, bytes));
  }

  #closeIfDone(): void {
    if (this.#goingAway && this.#pending.size === 0 && !this.#closed) {
      this.#socket.end();
    }
  }
}

/** A connection no worker took: what the proxy treats as a refused connection (nothing was sent). */
function refusedError(cause: Error): Error {
  return Object.assign(new Error('no API worker took the connection', { cause }), { code: 'ECONNREFUSED' });
}

function isResponseHead(head: unknown): head is [number, string[], true?] {
  return (
    Array.isArray(head) &&
    Number.isInteger(head[0]) &&
    isHeaderList(head[1]) &&
    (head.length === 2 || (head.length === 3 && head[2] === true))
  );
}

/**
 * One request, sent as a frame, answered through the handler exactly once. A body given whole goes in
 * the request frame; a streamed one follows in parts once the worker asks for it, each read from the
 * stream only while the environment's budget has room (decision 0112). A large answer comes in parts
 * (decision 0103): each part goes to the handler unless it paused (its client's socket is full), and is
 * credited back to the worker only once the handler has taken it without pausing, so at most a window of
 * the body waits here.
 */
class FrameExchange implements Dispatcher.DispatchController {
  readonly #dispatcher: FrameDispatcher;
  readonly #options: Dispatcher.DispatchOptions;
  readonly #handler: Dispatcher.DispatchHandler;
  #link: FrameLink | undefined;
  #id = 0;
  /** A streamed request body, sent in parts: unread until the worker asks for it. */
  #stream: Readable | undefined;
  /** True once the worker asked for the body (CONTINUE) and until it was all sent or given up. */
  #sending = false;
  /** True while the exchange waits for room in the budget. */
  #waitingForRoom = false;
  #aborted = false;
  #settled = false;
  #reason: Error | null = null;
  /** Set while the body comes in parts: credits the worker with bytes the client took. */
  #credit: ((bytes: number) => void) | undefined;
  /** Parts that came while the handler was paused, in order. */
  #waiting: Buffer[] = [];
  /** Bytes handed to the handler and not yet credited back. */
  #owed = 0;
  #paused = false;
  #ended = false;

  constructor(
    dispatcher: FrameDispatcher,
    options: Dispatcher.DispatchOptions,
    handler: Dispatcher.DispatchHandler,
  ) {
    this.#dispatcher = dispatcher;
    this.#options = options;
    this.#handler = handler;
  }

  get aborted(): boolean {
    return this.#aborted;
  }

  get paused(): boolean {
    return this.#paused;
  }

  get reason(): Error | null {
    return this.#reason;
  }

  abort(reason: Error): void {
    if (this.#aborted || this.#settled) {
      return;
    }
    this.#aborted = true;
    this.#reason = reason;
    this.#link?.forget(this.#id, this.#credit !== undefined || this.#sending);
    this.#waiting = [];
    this.#settle(reason);
  }

  /** The handler's client is full: parts wait here, and the worker gets no credit until it resumes. */
  pause(): void {
    this.#paused = true;
  }

  resume(): void {
    this.#paused = false;
    if (this.#credit !== undefined) {
      this.#flow();
    }
  }

  start(defaultHost: string): void {
    const { method, path } = this.#options;
    let request: string[];
    try {
      checkRequestLine(method, path);
      request = buildLines(method, this.#options.headers, defaultHost);
    } catch (error) {
      this.#settle(error as Error);
      return;
    }
    this.#handler.onRequestStart?.(this, {});
    if (this.#aborted) {
      return;
    }
    const body = wholeBody(this.#options.body);
    if (body !== undefined || this.#options.body === null || this.#options.body === undefined) {
      const length = lengthLine(method, body?.length ?? 0);
      const lines = length === undefined ? request : [...request, ...length];
      this.#link = this.#dispatcher.send(this, (id) =>
        encodeFrame(FRAME.REQUEST, id, [method, path, lines], body),
      );
      return;
    }
    // A stream: the head now, without a length (the worker adds the length of what it gets), the body once
    // the worker asks for it. Its error (over the size limit) is listened to from now on.
    this.#stream = this.#options.body as Readable;
    this.#stream.on('error', this.#onBodyError);
    this.#link = this.#dispatcher.send(this, (id) =>
      encodeFrame(FRAME.REQUEST, id, [method, path, request, true]),
    );
  }

  sentAs(id: number): void {
    this.#id = id;
  }

  /** The worker asks for the body (CONTINUE): it is read and sent as room comes. */
  sendBody(): void {
    const stream = this.#stream;
    if (stream === undefined || this.#sending || this.#aborted || this.#settled) {
      return;
    }
    this.#sending = true;
    stream.on('readable', this.#pump);
    stream.once('end', this.#onBodyEnd);
    this.#pump();
  }

  /**
   * Sends what the stream has while the budget has room; each part is held by the budget until its
   * frame left the process. Without room the stream is left unread (its client's window closes) until the
   * budget calls back.
   */
  #pump = (): void => {
    const stream = this.#stream;
    const link = this.#link;
    const budget = this.#dispatcher.budget;
    while (this.#sending && !this.#waitingForRoom && stream !== undefined && link !== undefined) {
      if (!budget.hasRoom) {
        this.#waitingForRoom = true;
        budget.wait(this.#onRoom);
        return;
      }
      const part = stream.read() as Buffer | null;
      if (part === null) {
        return;
      }
      budget.take(part.length);
      link.sendPart(this.#id, part, () => budget.release(part.length));
    }
  };

  #onRoom = (): void => {
    this.#waitingForRoom = false;
    this.#pump();
  };

  #onBodyEnd = (): void => {
    if (this.#sending && !this.#aborted && !this.#settled) {
      this.#link?.endBody(this.#id);
    }
    this.#stopSending();
  };

  /** The body failed (over the size limit, or cut): the worker drops what it has, the handler is told. */
  #onBodyError = (error: Error): void => {
    if (this.#aborted || this.#settled) {
      return;
    }
    this.#link?.forget(this.#id, this.#sending);
    this.#settle(error);
  };

  /** Stops reading the body: sent, given up, or answered. */
  #stopSending(): void {
    this.#sending = false;
    if (this.#waitingForRoom) {
      this.#waitingForRoom = false;
      this.#dispatcher.budget.cancel(this.#onRoom);
    }
    this.#stream?.off('readable', this.#pump);
    this.#stream?.off('end', this.#onBodyEnd);
  }

  respond(status: number, headers: IncomingHttpHeaders, body: Buffer): void {
    if (this.#aborted || this.#settled) {
      return;
    }
    this.#settled = true;
    this.#releaseStream();
    try {
      this.#handler.onResponseStart?.(this, status, headers, '');
      if (body.length > 0 && !this.#aborted) {
        this.#handler.onResponseData?.(this, body);
      }
      if (!this.#aborted) {
        this.#handler.onResponseEnd?.(this, {});
      }
    } catch (error) {
      // A handler that throws (a header the client response refuses) gets its error, as undici does;
      // it must never reach the connection's data event, which serves other exchanges too.
      this.#handler.onResponseError?.(this, error instanceof Error ? error : new Error(String(error)));
    }
  }

  /** The head of an answer whose body comes in parts ({@link part}, then {@link end}). */
  respondInParts(status: number, headers: IncomingHttpHeaders, credit: (bytes: number) => void): void {
    if (this.#aborted || this.#settled || this.#credit !== undefined) {
      return;
    }
    this.#releaseStream();
    this.#credit = credit;
    this.#call(() => this.#handler.onResponseStart?.(this, status, headers, ''));
  }

  /** The next part of the body. */
  part(body: Buffer): void {
    if (this.#aborted || this.#settled || this.#credit === undefined) {
      return;
    }
    this.#waiting.push(body);
    this.#flow();
  }

  /** The body is complete. */
  end(): void {
    if (this.#aborted || this.#settled || this.#credit === undefined) {
      return;
    }
    this.#ended = true;
    this.#flow();
  }

  /** Hands the waiting parts over while the handler takes them, credits what it took, ends when done. */
  #flow(): void {
    while (!this.#paused && !this.#aborted && !this.#settled && this.#waiting.length > 0) {
      const body = this.#waiting.shift() as Buffer;
      this.#owed += body.length;
      this.#call(() => this.#handler.onResponseData?.(this, body));
    }
    if (this.#paused || this.#aborted || this.#settled) {
      return;
    }
    if (this.#owed > 0 && !this.#ended) {
      this.#credit?.(this.#owed);
    }
    this.#owed = 0;
    if (this.#ended && this.#waiting.length === 0) {
      this.#settled = true;
      this.#call(() => this.#handler.onResponseEnd?.(this, {}));
    }
  }

  /** Runs a handler callback; one that throws gets its error, as in {@link respond}. */
  #call(callback: () => void): void {
    try {
      callback();
    } catch (error) {
      this.#settled = true;
      this.#link?.forget(this.#id, true);
      this.#handler.onResponseError?.(this, error instanceof Error ? error : new Error(String(error)));
    }
  }

  /** The app streams: the same request goes over HTTP, its body (never read here: no CONTINUE came) too. */
  useHttp(): void {
    if (this.#aborted || this.#settled) {
      return;
    }
    this.#settled = true;
    this.#releaseStream();
    this.#dispatcher.dispatchOverHttp(this.#options, this.#handler);
  }

  fail(error: Error): void {
    this.#settle(error);
  }

  #settle(error: Error): void {
    if (this.#settled) {
      return;
    }
    this.#settled = true;
    this.#releaseStream();
    this.#handler.onResponseError?.(this, error);
  }

  /** The exchange no longer reads the body stream; what is left of it is its owner's to drain or drop. */
  #releaseStream(): void {
    this.#stopSending();
    this.#stream?.off('error', this.#onBodyError);
  }
}

/** A body given whole (a string or bytes), as a buffer; `undefined` for none or a stream. */
function wholeBody(body: Dispatcher.DispatchOptions['body']): Buffer | undefined {
  if (typeof body === 'string') {
    return Buffer.from(body, 'utf8');
  }
  if (body instanceof Uint8Array) {
    return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  }
  return undefined;
}

function invalid(message: string): Error {
  return new (undici().errors.InvalidArgumentError)(message);
}

/** undici's checks of the method and the path. */
function checkRequestLine(method: unknown, path: unknown): void {
  if (typeof method !== 'string' || !TOKEN.test(method)) {
    throw invalid('invalid request method');
  }
  if (typeof path !== 'string') {
    throw invalid('path must be a string');
  }
  if (path[0] !== '/' && !path.startsWith('http://') && !path.startsWith('https://')) {
    throw invalid('path must be an absolute URL or start with a slash');
  }
  if (INVALID_PATH.test(path)) {
    throw invalid('invalid request path');
  }
}

/**
 * The lines undici would write: `host` (the given one, else the origin's), `connection: keep-alive`, then
 * the given fields in order; the fields undici refuses are refused with its messages.
 */
function buildLines(
  method: string,
  headers: Dispatcher.DispatchOptions['headers'],
  defaultHost: string,
): string[] {
  let host: string | undefined;
  let contentLength: string | undefined;
  // undici closes the connection after a HEAD (and when told to), and says so.
  let close = method === 'HEAD';
  const rest: string[] = [];
  for (const [name, given] of headerEntries(headers)) {
    const lower = name.toLowerCase();
    if (!TOKEN.test(name)) {
      throw invalid('invalid header key');
    }
    const values = (Array.isArray(given) ? given : [given]).map((value) =>
      value === null ? '' : `${value}`,
    );
    if (values.some((value) => INVALID_VALUE.test(value))) {
      throw invalid(`invalid ${name} header`);
    }
    if (lower === 'host' || lower === 'content-length') {
      if ((lower === 'host' ? host : contentLength) !== undefined || values.length !== 1) {
        throw invalid(`duplicate ${lower} header`);
      }
      if (lower === 'host') {
        host = values[0];
      } else {
        // Checked as undici checks it; the length sent is the body's own (the worker counts it).
        contentLength = checkLength(values[0] as string);
      }
    } else if (lower === 'transfer-encoding' || lower === 'keep-alive' || lower === 'upgrade') {
      throw invalid(`invalid ${lower} header`);
    } else if (lower === 'expect') {
      throw new (undici().errors.NotSupportedError)('expect header not supported');
    } else if (lower === 'connection') {
      close ||= connectionTokens(values).includes('close');
    } else {
      for (const value of values) {
        rest.push(name, value);
      }
    }
  }
  const connection = close ? 'close' : 'keep-alive';
  return ['host', host ?? defaultHost, 'connection', connection, ...rest];
}

function connectionTokens(values: readonly string[]): string[] {
  const tokens = values.flatMap((value) =>
    value
      .toLowerCase()
      .split(',')
      .map((token) => token.trim()),
  );
  if (tokens.some((token) => !TOKEN.test(token))) {
    throw invalid('invalid connection header');
  }
  return tokens;
}

function checkLength(value: string): string {
  if (!/^\d+$/.test(value)) {
    throw invalid('invalid content-length header');
  }
  return value;
}

function headerEntries(headers: Dispatcher.DispatchOptions['headers']): [string, unknown][] {
  if (headers === null || headers === undefined) {
    return [];
  }
  if (Array.isArray(headers)) {
    const entries: [string, unknown][] = [];
    for (let i = 0; i + 1 < headers.length; i += 2) {
      entries.push([String(headers[i]), headers[i + 1]]);
    }
    return entries;
  }
  if (typeof (headers as Iterable<unknown>)[Symbol.iterator] === 'function') {
    return [...(headers as Iterable<[string, unknown]>)].map(([name, value]) => [String(name), value]);
  }
  return Object.entries(headers as Record<string, unknown>).filter(([, value]) => value !== undefined);
}
