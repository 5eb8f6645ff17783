/**
 * The frame protocol between the edge and the functions workers of its process (decision 0036). Each
 * `/api` exchange is one request frame and one response frame on a Unix socket in the host's private
 * folder, many exchanges in flight per connection, told apart by id. The parent's side
 * (`../frame-dispatcher.ts`) imports this module from here, where a sandboxed worker can read it. It replaces HTTP/1.1 on that hop
 * only: no header parsing, no request and response objects, and the frames of a whole event-loop turn
 * leave in one write.
 *
 * A frame: u32 length of the rest · u8 type · u32 id · u32 head length · head (UTF-8 JSON) · body bytes.
 * - REQUEST (edge → worker): head `[method, pathAndQuery, [name, value, …]]`, body the request body (a
 *   body given whole); for a body streamed from the client, head `[method, pathAndQuery, [name, value, …],
 *   true]` and no body, and no length field among the lines: the body follows in DATA frames once the
 *   worker asks for it (CONTINUE), then END; the worker adds the length field of the body it assembled
 *   (decision 0112);
 * - CONTINUE (worker → edge): the request was routed to a function, so the edge may send its body. A
 *   request answered without one (an unknown route, USE_HTTP) never gets it: the edge leaves it unread;
 * - DATA (edge → worker): the next part of a request body; END (edge → worker): the request body is
 *   complete. The edge reads a part from its client only when its request-body budget has room
 *   (`../byte-budget.ts`), so a worker that reads slowly slows its clients, not the shared edge;
 * - RESPONSE (worker → edge): head `[status, [name, value, …]]`, body the response body; for a body above
 *   {@link RESPONSE_PART_BYTES}, head `[status, [name, value, …], true]` and no body: the body follows in
 *   DATA frames of at most that size, then END (decision 0103);
 * - DATA (worker → edge): the next part of a response body. The worker keeps at most
 *   {@link RESPONSE_WINDOW_BYTES} sent and not yet credited;
 * - END (worker → edge): the response body is complete;
 * - CREDIT (edge → worker, head: a byte count): the edge handed that many bytes of the body to its client,
 *   whose socket took them, so the worker may send as many more. A slow client slows the worker, and the
 *   edge never holds more than the window per response;
 * - CANCEL (edge → worker): the edge gave the exchange up (client gone, timeout, request body over the
 *   limit); the worker stops sending its body, or drops the request body it was assembling;
 * - GOAWAY (worker → edge, id 0): the worker stops or rebalances; it answers what it was sent, and the
 *   edge sends nothing more on that connection and closes it once its last answer came;
 * - USE_HTTP (worker → edge): this app streams HTTP bodies; the edge sends the request over HTTP instead;
 * - HELLO (worker → edge, id 0, first on every connection): a live worker took the connection. The edge
 *   writes no request before it, so a connection that closes before its HELLO (handed to a worker that
 *   was dying) carried nothing, and its requests can be sent again like those of a refused connection.
 */
import type { Socket } from 'node:net';

/** Frame types. */
export const FRAME = Object.freeze({
  REQUEST: 1,
  RESPONSE: 2,
  GOAWAY: 3,
  USE_HTTP: 4,
  HELLO: 5,
  DATA: 6,
  END: 7,
  CREDIT: 8,
  CANCEL: 9,
  CONTINUE: 10,
});

/** Bytes before the head: length, type, id, head length. */
const PREFIX_BYTES = 13;

/**
 * Largest frame the worker accepts (a request whose body is whole, which the edge's own proxy never sends
 * any more: its bodies come in parts): well above the edge's request limit (30 MiB by default) and the
 * worker's (100 MB); a larger length means a broken peer, and the connection is closed.
 */
export const MAX_FRAME_BYTES = 512 * 1024 * 1024;

/** A response body larger than this leaves the worker in DATA frames of at most this size. */
export const RESPONSE_PART_BYTES = 256 * 1024;

/** How many bytes of one response body the worker may have sent that the edge has not credited back. */
export const RESPONSE_WINDOW_BYTES = 1024 * 1024;

/**
 * Largest frame the edge accepts from a worker: a body part, or a whole small body, with its head (the
 * response's header fields). A worker that sends more breaks the protocol; the edge closes that connection
 * (the site's own exchanges on it fail with 502), and never holds more of one answer than this.
 */
export const MAX_RESPONSE_FRAME_BYTES = 8 * 1024 * 1024;

/** One decoded frame. */
export interface Frame {
  readonly type: number;
  readonly id: number;
  /** The parsed head (checked by the receiver). */
  readonly head: unknown;
  readonly body: Buffer;
}

/**
 * The bytes of one frame as two buffers (prefix with head, then the body as given, not copied), to be
 * written one after the other on a corked socket.
 */
export function encodeFrame(type: number, id: number, head: unknown, body?: Buffer): [Buffer, Buffer?] {
  const headText = head === undefined ? '' : JSON.stringify(head);
  const headBytes = Buffer.byteLength(headText);
  const bodyBytes = body?.length ?? 0;
  const prefix = Buffer.allocUnsafe(PREFIX_BYTES + headBytes);
  prefix.writeUInt32BE(PREFIX_BYTES - 4 + headBytes + bodyBytes, 0);
  prefix.writeUInt8(type, 4);
  prefix.writeUInt32BE(id, 5);
  prefix.writeUInt32BE(headBytes, 9);
  prefix.write(headText, PREFIX_BYTES, 'utf8');
  return bodyBytes > 0 ? [prefix, body] : [prefix];
}

/** Thrown by {@link FrameReader.push} on bytes that are not frames; the connection must be closed. */
export class FrameError extends Error {
  override name = 'FrameError';
}

/**
 * Cuts a byte stream into frames. Chunks are kept as they come and joined once per frame, when all of its
 * bytes are there, so a large body costs one copy.
 */
export class FrameReader {
  readonly #maxFrameBytes: number;
  #chunks: Buffer[] = [];
  #buffered = 0;

  /** `maxFrameBytes`: a longer frame is refused with a {@link FrameError}. */
  constructor(maxFrameBytes = MAX_FRAME_BYTES) {
    this.#maxFrameBytes = maxFrameBytes;
  }

  /** Adds `chunk` and returns the frames it completes (often none, often several). */
  push(chunk: Buffer): Frame[] {
    this.#chunks.push(chunk);
    this.#buffered += chunk.length;
    const frames: Frame[] = [];
    for (;;) {
      const frame = this.#next();
      if (frame === undefined) {
        return frames;
      }
      frames.push(frame);
    }
  }

  #next(): Frame | undefined {
    if (this.#buffered < 4) {
      return undefined;
    }
    const first = this.#join(4);
    const length = first.readUInt32BE(0);
    if (length < PREFIX_BYTES - 4 || length > this.#maxFrameBytes) {
      throw new FrameError(`frame length ${length} is out of range (at most ${this.#maxFrameBytes})`);
    }
    if (this.#buffered < 4 + length) {
      return undefined;
    }
    const bytes = this.#join(4 + length);
    const frame = decode(bytes.subarray(0, 4 + length));
    this.#consume(4 + length, bytes);
    return frame;
  }

  /** The first chunk, made to hold at least `bytes` bytes by joining the chunks after it. */
  #join(bytes: number): Buffer {
    const first = this.#chunks[0] as Buffer;
    if (first.length >= bytes) {
      return first;
    }
    const joined = Buffer.concat(this.#chunks, this.#buffered);
    this.#chunks = [joined];
    return joined;
  }

  #consume(bytes: number, first: Buffer): void {
    this.#buffered -= bytes;
    if (first.length === bytes) {
      this.#chunks.shift();
    } else {
      this.#chunks[0] = first.subarray(bytes);
    }
  }
}

function decode(bytes: Buffer): Frame {
  const type = bytes.readUInt8(4);
  const id = bytes.readUInt32BE(5);
  const headBytes = bytes.readUInt32BE(9);
  if (PREFIX_BYTES + headBytes > bytes.length) {
    throw new FrameError(`frame head of ${headBytes} bytes overruns its frame`);
  }
  let head: unknown;
  if (headBytes > 0) {
    try {
      head = JSON.parse(bytes.toString('utf8', PREFIX_BYTES, PREFIX_BYTES + headBytes));
    } catch {
      throw new FrameError('frame head is not JSON');
    }
  }
  return { type, id, head, body: bytes.subarray(PREFIX_BYTES + headBytes) };
}

/** Writes one frame's buffers; `onFlushed` is called once they left the process (or never will). */
export type FrameWriter = (parts: readonly (Buffer | undefined)[], onFlushed?: () => void) => void;

/**
 * Writes frames, corking the socket from the first write of a turn until the turn's I/O is done, so the
 * frames of the exchanges that arrived together leave in one system call (both ends use it).
 */
export function createBatchedWriter(socket: Socket): FrameWriter {
  let corked = false;
  const uncork = (): void => {
    corked = false;
    socket.uncork();
  };
  return (parts, onFlushed) => {
    if (socket.destroyed) {
      onFlushed?.();
      return;
    }
    if (!corked) {
      corked = true;
      socket.cork();
      setImmediate(uncork);
    }
    const last = parts.findLastIndex((part) => part !== undefined);
    parts.forEach((part, index) => {
      if (part !== undefined) {
        // Called when the bytes reached the kernel, or with an error when the socket is destroyed first.
        socket.write(part, index === last ? onFlushed : undefined);
      }
    });
    if (last < 0) {
      onFlushed?.();
    }
  };
}

/** Methods undici sends `content-length: 0` for when they carry no body. */
const PAYLOAD_METHODS = new Set(['PUT', 'POST', 'PATCH', 'QUERY', 'PROPFIND', 'PROPPATCH']);

/**
 * The body's length line as undici writes it for a body it can measure: its byte count; for an empty
 * body, `content-length: 0` where the method expects a body, else nothing. The edge adds it to a request
 * whose body is whole, the worker to one whose body came in parts, once it has them all.
 */
export function lengthLine(method: string, bytes: number): [string, string] | undefined {
  return bytes === 0 && !PAYLOAD_METHODS.has(method) ? undefined : ['content-length', String(bytes)];
}

/** True for a flat `[name, value, …]` list of strings. */
export function isHeaderList(value: unknown): value is string[] {
  return Array.isArray(value) && value.length % 2 === 0 && value.every((item) => typeof item === 'string');
}
