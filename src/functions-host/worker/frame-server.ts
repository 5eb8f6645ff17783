/**
 * The worker's side of the frame protocol (decision 0036, `frames.ts`): the edge of the parent process
 * sends each `/api` request as one frame on a connection the parent hands over, and gets one frame back.
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
  RESPONSE_PART_BYTES,
  RESPONSE_WINDOW_BYTES,
} from './frames.js';
import { mergeHeaderLines } from './header-lines.js';
import { MAX_BODY_BYTES, responseHeaderList, statusResult } from './http-io.js';
import { routeRequest, TOO_LARGE_TEXT, type WorkerServerDeps } from './http-server.js';
import { invokeHttp } from './invoke.js';
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
  readonly body: Buffer;
}

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
  socket.on('error', () => socket.destroy());
  socket.on('close', () => parts.clear());
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
        continue;
      }
      const request = readRequest(frame);
      if (request === undefined) {
        return dropConnection(socket, deps, new FrameError(`unexpected frame of type ${frame.type}`));
      }
      void answer(deps, request).then((answered) => {
        if (answered === USE_HTTP) {
          write(encodeFrame(FRAME.USE_HTTP, frame.id, undefined));
          return;
        }
        const { head, body } = encodeAnswer(deps, answered);
        if (body.length <= RESPONSE_PART_BYTES) {
          write(encodeFrame(FRAME.RESPONSE, frame.id, head, body));
          return;
        }
        // A large body follows in parts, as fast as the edge's client takes them (decision 0103).
        write(encodeFrame(FRAME.RESPONSE, frame.id, [...head, true]));
        parts.start(frame.id, body);
      });
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
    !isHeaderList(head[2])
  ) {
    return undefined;
  }
  return { method: head[0], path: head[1], lines: head[2], body: frame.body };
}

/** Routes and invokes one request; never rejects (an unexpected error answers 500, as over HTTP). */
async function answer(deps: WorkerServerDeps, request: FrameRequest): Promise<Answer | typeof USE_HTTP> {
  try {
    const routed = routeRequest(deps, request.method, request.path);
    if (routed.kind === 'answer') {
      return { result: statusResult(routed.status, routed.text) };
    }
    if (deps.streamUri !== undefined) {
      return USE_HTTP;
    }
    if (request.body.length > (deps.maxBodyBytes ?? MAX_BODY_BYTES)) {
      return { result: statusResult(413, TOO_LARGE_TEXT) };
    }
    const headers = normalizeHeaders(mergeHeaderLines(request.lines));
    const result = await invokeHttp(deps, routed.fn, {
      method: request.method.toUpperCase(),
      url: absoluteUrl(request.path, headers),
      headers,
      params: routed.params,
      // Its own copy: the frame's bytes share memory with the frames read with it.
      body: Buffer.from(request.body),
    });
    return { result, functionName: routed.fn.name };
  } catch (error) {
    deps.log.write('error', 'system', `Unexpected worker error: ${String(error)}`);
    return { result: statusResult(500) };
  }
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
