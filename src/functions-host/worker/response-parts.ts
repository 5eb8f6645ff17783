/**
 * The response bodies one frame connection is sending in parts (decision 0103, `frames.ts`): a body above
 * `RESPONSE_PART_BYTES` leaves in DATA frames, never more than `RESPONSE_WINDOW_BYTES` ahead of what the
 * edge credited back, so a slow client slows this worker instead of filling the shared edge. A CANCEL, or
 * the connection closing, lets the body go.
 */
import { encodeFrame, FRAME, RESPONSE_PART_BYTES, RESPONSE_WINDOW_BYTES } from './frames.js';

/** One body being sent: what is left of it and how much the edge still lets through. */
interface Sending {
  readonly body: Buffer;
  offset: number;
  credit: number;
}

/** Writes frames (the connection's batched writer). */
type WriteFrame = (parts: readonly (Buffer | undefined)[]) => void;

/** The bodies in flight on one connection, by exchange id. */
export class ResponseParts {
  readonly #write: WriteFrame;
  readonly #sending = new Map<number, Sending>();

  constructor(write: WriteFrame) {
    this.#write = write;
  }

  /** Sends `body` for `id`, whose head frame was just written: the first window now, the rest on credit. */
  start(id: number, body: Buffer): void {
    const sending: Sending = { body, offset: 0, credit: RESPONSE_WINDOW_BYTES };
    this.#sending.set(id, sending);
    this.#pump(id, sending);
  }

  /** The edge passed `bytes` of `id`'s body on to its client. */
  credit(id: number, bytes: number): void {
    const sending = this.#sending.get(id);
    if (sending !== undefined) {
      sending.credit += bytes;
      this.#pump(id, sending);
    }
  }

  /** The edge gave `id` up: nothing more is sent, and the body is let go. */
  cancel(id: number): void {
    this.#sending.delete(id);
  }

  /** The connection closed. */
  clear(): void {
    this.#sending.clear();
  }

  #pump(id: number, sending: Sending): void {
    const { body } = sending;
    while (sending.credit > 0 && sending.offset < body.length) {
      const size = Math.min(RESPONSE_PART_BYTES, body.length - sending.offset, sending.credit);
      this.#write(
        encodeFrame(FRAME.DATA, id, undefined, body.subarray(sending.offset, sending.offset + size)),
      );
      sending.offset += size;
      sending.credit -= size;
    }
    if (sending.offset >= body.length) {
      this.#sending.delete(id);
      this.#write(encodeFrame(FRAME.END, id, undefined));
    }
  }
}
