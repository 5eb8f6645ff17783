/**
 * `--access-log <file|->`: one JSON line per data-plane request (the line: `access-line.ts`), written
 * through pino's destination (sonic-boom, asynchronous). A line holds what an operator needs and nothing
 * secret: never cookies, tokens, keys or query values (only query parameter names), and the user as a
 * keyed hash of the user id. Lines wait in memory until {@link CHUNK_BYTES} have gathered or
 * {@link FLUSH_MS} have passed, because a write per line (or per event-loop turn) costs more than the
 * line; reopening (SIGHUP) and closing (SIGTERM's drain) write them first.
 */
import { createHmac } from 'node:crypto';
import { mkdir, open } from 'node:fs/promises';
import { dirname } from 'node:path';
import type * as Pino from 'pino';
import { PorticoError } from '../shared/errors.js';
import { memoize } from '../shared/memo.js';
import { type AccessRecord, createIsoTime, createLineFormatter } from './access-line.js';

export type { AccessRecord } from './access-line.js';

/** Bytes of lines gathered before they are written (about 200 lines). */
const CHUNK_BYTES = 64 * 1024;
/** Longest time a line waits in memory, in milliseconds. */
const FLUSH_MS = 100;
/** User ids whose hash is kept (a principal's user id is at most 128 characters: about 200 KB at most). */
const KEPT_USERS = 1024;

/** The access log of a node. */
export interface AccessLog {
  write(record: AccessRecord): void;
  /** Writes what is gathered, then reopens the file (after a rotation moved it away); nothing more for stdout. */
  reopen(): void;
  /** Writes what is gathered and closes the file. */
  close(): Promise<void>;
}

/** Options of {@link openAccessLog}. */
export interface AccessLogOptions {
  /** A file path, or `-` for standard output. */
  readonly target: string;
  /** Key of the user id hash (derived from the service key, so hashes cannot be matched to ids elsewhere). */
  readonly userKey: Buffer;
  /** Told when a write fails (a full disk, a removed folder); the node keeps serving. */
  readonly onError?: (message: string) => void;
}

type Destination = ReturnType<typeof Pino.destination>;

/** Opens the access log; rejects with a clear error when the file cannot be written. */
export async function openAccessLog(options: AccessLogOptions): Promise<AccessLog> {
  const toStdout = options.target === '-';
  if (!toStdout) {
    // Checked before the stream exists: a stream that never opens throws later, over the clear error.
    await checkWritable(options.target);
  }
  // Imported here: a service without --access-log never loads pino (decision 0035).
  const { destination } = await import('pino');
  // Buffers, not strings: sonic-boom measures and encodes a string more than once per write.
  const stream = destination(
    toStdout
      ? { dest: 1, sync: false, contentMode: 'buffer' }
      : {
          dest: options.target,
          sync: false,
          mkdir: true,
          append: true,
          mode: 0o600,
          contentMode: 'buffer',
          // While the disk refuses them, lines wait in memory up to this much; later ones are dropped.
          maxLength: MAX_BUFFERED_BYTES,
        },
  );
  if (!toStdout) {
    await whenOpen(stream, options.target);
  }
  const reportFailure = throttleFailures((error: string, more: number) =>
    options.onError?.(
      `Cannot write the access log ${options.target}: ${error}${more > 0 ? ` (and ${more} more failed writes since the last report)` : ''}; its lines wait in memory until it can (up to 16 MB, then new ones are dropped; a node that stops meanwhile gives them up). Said at most once a minute.`,
    ),
  );
  stream.on('error', (error: Error) => reportFailure(error.message));
  stream.on('drop', () => reportFailure(`more than ${MAX_BUFFERED_BYTES / 1024 / 1024} MB of lines waiting`));
  // sonic-boom's types know only strings; in `buffer` mode its write takes Buffers.
  const writeBytes = stream.write as unknown as (this: Destination, bytes: Buffer) => boolean;
  const lines = createLineBuffer((bytes) => writeBytes.call(stream, bytes));
  let closed = false;
  let reopening: Promise<void> = Promise.resolve();
  const format = createLineFormatter({ time: createIsoTime(), hashUser: createUserHasher(options.userKey) });
  return {
    write(record) {
      // A request that outlived the drain's deadline ends after close(): there is no file left to write.
      if (!closed) {
        lines.add(format(record));
      }
    },
    reopen() {
      lines.flush();
      if (!toStdout && !closed) {
        reopening = whenReopened(stream);
        stream.reopen();
      }
    },
    async close() {
      // sonic-boom drops an end() that comes while a reopen waits for a write: the close never came.
      await reopening;
      lines.flush();
      closed = true;
      await endStream(stream);
      // A stream the disk refused still holds its lines, and pino writes them at exit in a loop that
      // retries until they fit: on a full disk the process never ended. Closed, they are given up.
      if ((stream as unknown as { destroyed?: boolean }).destroyed !== true) {
        stream.destroy();
      }
    },
  };
}

/** The most an access log holds in memory while it cannot write (a full disk): then lines are dropped. */
const MAX_BUFFERED_BYTES = 16 * 1024 * 1024;

/** How often a failing access log is reported at most. */
const FAILURE_REPORT_INTERVAL_MS = 60_000;

/**
 * Reports the first failure at once and then at most one per interval with how many came since: a full
 * disk fails every batch (ten a second), and a line per failure would flood the server log, probably on
 * that same disk.
 */
export function throttleFailures(
  report: (error: string, more: number) => void,
  now: () => number = Date.now,
  intervalMs = FAILURE_REPORT_INTERVAL_MS,
): (error: string) => void {
  let last = Number.NEGATIVE_INFINITY;
  let more = 0;
  return (error) => {
    const at = now();
    if (at - last < intervalMs) {
      more += 1;
      return;
    }
    last = at;
    report(error, more);
    more = 0;
  };
}

/**
 * The keyed hash of a user id (the first 32 hex digits of an HMAC-SHA-256), remembered for the last
 * {@link KEPT_USERS} ids: a signed-in user's every request would otherwise compute the same HMAC again.
 */
function createUserHasher(key: Buffer): (userId: string) => string {
  return memoize(KEPT_USERS, (userId: string) =>
    createHmac('sha256', key).update(userId).digest('hex').slice(0, 32),
  );
}

/** Lines encoded into a chunk of memory, handed to `write` when it is full or {@link FLUSH_MS} passed. */
interface LineBuffer {
  add(line: string): void;
  /** Hands over what is gathered now. */
  flush(): void;
}

/**
 * Each line is encoded into the chunk as it comes, so the string dies young (a string kept until the
 * write would be copied by the garbage collector, and joined and encoded again).
 */
function createLineBuffer(write: (bytes: Buffer) => void): LineBuffer {
  let chunk = Buffer.allocUnsafeSlow(CHUNK_BYTES);
  let used = 0;
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    if (timer !== undefined) {
      clearTimeout(timer);
      timer = undefined;
    }
    if (used > 0) {
      const bytes = chunk.subarray(0, used);
      chunk = Buffer.allocUnsafeSlow(CHUNK_BYTES);
      used = 0;
      write(bytes);
    }
  };
  return {
    add(line) {
      // A character takes at most 3 bytes in UTF-8 (a surrogate pair, 2 characters, takes 4).
      if (used + line.length * 3 > CHUNK_BYTES) {
        flush();
        if (line.length * 3 > CHUNK_BYTES) {
          write(Buffer.from(line));
          return;
        }
      }
      used += chunk.write(line, used);
      if (timer === undefined) {
        // Unreferenced: a pending write does not keep the process alive; close() writes it.
        timer = setTimeout(flush, FLUSH_MS).unref();
      }
    },
    flush,
  };
}

/** Resolves once the stream has opened its file again, or failed to. */
function whenReopened(stream: Destination): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      stream.off('ready', done);
      stream.off('error', done);
      resolve();
    };
    stream.on('ready', done);
    stream.on('error', done);
  });
}

/** Ends the stream once its writes are done; resolves when it is closed (stdout stays open). */
function endStream(stream: Destination): Promise<void> {
  return new Promise((resolve) => {
    stream.once('close', () => resolve());
    stream.once('error', () => resolve());
    stream.end();
  });
}

async function checkWritable(target: string): Promise<void> {
  try {
    await mkdir(dirname(target), { recursive: true });
    await (await open(target, 'a', 0o600)).close();
  } catch (cause) {
    throw unwritable(target, cause as Error);
  }
}

function unwritable(target: string, error: Error): PorticoError {
  return new PorticoError(
    'SERVE_ACCESS_LOG_UNWRITABLE',
    `Cannot open the access log ${target}: ${error.message}. Give --access-log a writable file, or - for standard output.`,
    { cause: error },
  );
}

function whenOpen(stream: Destination, target: string): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.once('ready', () => resolve());
    stream.once('error', (error: Error) => reject(unwritable(target, error)));
  });
}
