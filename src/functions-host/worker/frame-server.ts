/**
 * The worker's side of the frame protocol (decision 0036, `frames.ts`): the edge of the parent process
 * sends each `/api` request as one frame on a connection the parent hands over (a streamed body follows in
 * parts once the request is routed, decision 0112), and gets one frame back (a large body in parts).
 * Routing, the body limit, the invocation and the response headers are the HTTP server's own
 * (`routeRequest`, `invokeHttp`, `responseHeaderList`), and the request's header lines are merged as
 * `node:http` merges them, so a function cannot tell which way its request came. Requests run
 * concurrently; the answers finished in one event-loop turn leave in one write.
 */
import type { Socket } from 'node:net';
import {
  createBatchedWriter,
  encodeFrame,
  FRAME,
  type Frame,
  FrameError,
  FrameReader,
  isHeaderList,
  lengthLine,
  RESPONSE_PART_BYTES,
  RESPONSE_WINDOW_BYTES,
} from './frames.js';
import { mergeHeaderLines } from './header-lines.js';
import { MAX_BODY_BYTES, responseHeaderList, statusResult } from './http-io.js';
import { type RoutedRequest, routeRequest, TOO_LARGE_TEXT, type WorkerServerDeps } from './http-server.js';
import { invokeHttp } from './invoke.js';
import { RequestParts } from './request-parts.js';
import { ResponseParts } from './response-parts.js';
import { absoluteUrl, normalizeHeaders } from './rpc-request.js';
import type { HttpResult } from './rpc-response.js';

/** One frame connection of the worker. */
export interface FrameConnection {
  /** Tells the edge to send nothing more here; what it already sent is still answered. */
  goAway(): void;
}

/** What a request frame asks for. */
interface FrameRequest {
  readonly method: string;
  readonly path: string;
  readonly lines: string[];
  /** The body given whole; none when it comes in parts. */
  readonly body: Buffer;
  /** True when the body follows in parts once asked for (its length line is not among `lines`). */
  readonly inParts: boolean;
}

/** A request routed to a function. */
type ToFunction = Extract<RoutedRequest, { kind: 'function' }>;

/** A complete answer, with the function that gave it (named in warnings about its headers). */
interface Answer {
  readonly result: HttpResult;
  readonly functionName?: string;
}

/** The answer when the app streams HTTP bodies: the edge sends that request over HTTP instead. */
const USE_HTTP = Symbol('use HTTP');

/** Serves the frames arriving on `socket` until it closes. */
export function serveFrames(socket: Socket, deps: WorkerServerDeps): FrameConnection {
  const reader = new FrameReader();
  const write = createBatchedWriter(socket);
  const parts = new ResponseParts(write);
  const bodies = new RequestParts<{ request: FrameRequest; routed: ToFunction }>(
    deps.maxBodyBytes ?? MAX_BODY_BYTES,
  );
  const send = (id: number, answered: Answer | typeof USE_HTTP): void => {
    if (answered === USE_HTTP) {
      write(encodeFrame(FRAME.USE_HTTP, id, undefined));
      return;
    }
    const { head, body } = encodeAnswer(deps, answered);
    if (body.length <= RESPONSE_PART_BYTES) {
      write(encodeFrame(FRAME.RESPONSE, id, head, body));
      return;
    }
    // A large body follows in parts, as fast as the edge's client takes them (decision 0103).
    write(encodeFrame(FRAME.RESPONSE, id, [...head, true]));
    parts.start(id, body);
  };
  socket.on('error', () => socket.destroy());
  socket.on('close', () => {
    parts.clear();
    bodies.clear();
  });
  socket.on('data', (chunk: Buffer) => {
    let frames: Frame[];
    try {
      frames = reader.push(chunk);
    } catch (error) {
      return dropConnection(socket, deps, error);
    }
    for (const frame of frames) {
      if (frame.type === FRAME.CREDIT && isCredit(frame.head)) {
        parts.credit(frame.id, frame.head);
        continue;
      }
      if (frame.type === FRAME.CANCEL) {
        parts.cancel(frame.id);
        bodies.cancel(frame.id);
        continue;
      }
      if (frame.type === FRAME.DATA) {
        bodies.part(frame.id, frame.body);
        continue;
      }
      if (frame.type === FRAME.END) {
        const received = bodies.end(frame.id);
        if (received !== undefined) {
          const { request, routed } = received.request;
          const whole = { ...request, lines: withLength(request, received.bytes) };
          void invoke(deps, whole, routed, received.body).then((answered) => send(frame.id, answered));
        }
        continue;
      }
      const request = readRequest(frame);
      if (request === undefined) {
        return dropConnection(socket, deps, new FrameError(`unexpected frame of type ${frame.type}`));
      }
      const routed = route(deps, request);
      if (routed.kind !== 'function') {
        send(frame.id, routed.answer);
      } else if (request.inParts) {
        // The body is wanted: the edge sends it now, and the function runs once it is all here.
        bodies.start(frame.id, { request, routed });
        write(encodeFrame(FRAME.CONTINUE, frame.id, undefined));
      } else {
        void invoke(deps, request, routed, request.body).then((answered) => send(frame.id, answered));
      }
    }
  });
  // Handed over unread (the parent accepted it paused); HELLO tells the edge a live worker has it.
  socket.resume();
  write(encodeFrame(FRAME.HELLO, 0, undefined));
  return {
    goAway: () => write(encodeFrame(FRAME.GOAWAY, 0, undefined)),
  };
}

function readRequest(frame: Frame): FrameRequest | undefined {
  const head = frame.head;
  if (
    frame.type !== FRAME.REQUEST ||
    !Array.isArray(head) ||
    typeof head[0] !== 'string' ||
    typeof head[1] !== 'string' ||
    !isHeaderList(head[2]) ||
    (head.length === 4 ? head[3] !== true : head.length !== 3)
  ) {
    return undefined;
  }
  return { method: head[0], path: head[1], lines: head[2], body: frame.body, inParts: head.length === 4 };
}

/** The request's lines with the length line of the body it had in parts (`bytes` long), as undici sends. */
function withLength(request: FrameRequest, bytes: number): string[] {
  const length = lengthLine(request.method, bytes);
  return length === undefined ? request.lines : [...request.lines, ...length];
}

/**
 * Where a request goes: a function, or an answer given without its body (an unknown route, the worker's
 * own endpoints, USE_HTTP for an app that streams, 500 for an unexpected error).
 */
function route(
  deps: WorkerServerDeps,
  request: FrameRequest,
): ToFunction | { kind: 'answer'; answer: Answer | typeof USE_HTTP } {
  try {
    const routed = routeRequest(deps, request.method, request.path);
    if (routed.kind === 'answer') {
      return { kind: 'answer', answer: { result: statusResult(routed.status, routed.text) } };
    }
    return deps.streamUri === undefined ? routed : { kind: 'answer', answer: USE_HTTP };
  } catch (error) {
    return { kind: 'answer', answer: unexpected(deps, error) };
  }
}

/**
 * Invokes the function with the whole body (`undefined`: it was over the limit); never rejects (an
 * unexpected error answers 500, as over HTTP).
 */
async function invoke(
  deps: WorkerServerDeps,
  request: FrameRequest,
  routed: ToFunction,
  body: Buffer | undefined,
): Promise<Answer> {
  try {
    if (body === undefined || body.length > (deps.maxBodyBytes ?? MAX_BODY_BYTES)) {
      return { result: statusResult(413, TOO_LARGE_TEXT) };
    }
    const headers = normalizeHeaders(mergeHeaderLines(request.lines));
    const result = await invokeHttp(deps, routed.fn, {
      method: request.method.toUpperCase(),
      url: absoluteUrl(request.path, headers),
      headers,
      params: routed.params,
      // Its own copy: a whole body's bytes share memory with the frames read with it (a body in parts
      // was joined into its own buffer already).
      body: request.inParts ? body : Buffer.from(body),
    });
    return { result, functionName: routed.fn.name };
  } catch (error) {
    return unexpected(deps, error);
  }
}

function unexpected(deps: WorkerServerDeps, error: unknown): Answer {
  deps.log.write('error', 'system', `Unexpected worker error: ${String(error)}`);
  return { result: statusResult(500) };
}

/** A credit is a positive byte count no larger than a window. */
function isCredit(head: unknown): head is number {
  return Number.isSafeInteger(head) && (head as number) > 0 && (head as number) <= RESPONSE_WINDOW_BYTES;
}

/** The response head `[status, header list]` and the body. */
function encodeAnswer(deps: WorkerServerDeps, answered: Answer): { head: [number, string[]]; body: Buffer } {
  const { result, functionName } = answered;
  const lines = responseHeaderList(result, (name) =>
    deps.log.write(
      'warn',
      'system',
      `Function "${functionName ?? ''}" set an invalid header "${name}"; it was dropped.`,
    ),
  );
  return { head: [result.status, lines], body: result.body };
}

function dropConnection(socket: Socket, deps: WorkerServerDeps, error: unknown): void {
  deps.log.write('error', 'system', `Closed a broken frame connection from the edge: ${String(error)}`);
  socket.destroy();
}
