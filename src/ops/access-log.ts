/**
 * `--access-log <file|->`: one JSON line per data-plane request, written by pino. A line holds what an
 * operator needs and nothing secret: never cookies, tokens, keys or query values (only query parameter
 * names), and the user as a keyed hash of the user id. The file is reopened on SIGHUP for log rotation.
 */
import { createHmac } from 'node:crypto';
import { mkdir, open } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { dirname } from 'node:path';
import type * as Pino from 'pino';
import type { DestinationStream, Logger } from 'pino';
import { PorticoError } from '../shared/errors.js';
import type { RequestLabels } from './metrics.js';

const ACCESS_MARK = Object.freeze({ log: 'access' });
/** pino's ISO time, formatted once per millisecond (requests in the same millisecond share it). */
function createIsoTime(): () => string {
  let last = 0;
  let text = '';
  return () => {
    const now = Date.now();
    if (now !== last) {
      last = now;
      text = `,"time":"${new Date(now).toISOString()}"`;
    }
    return text;
  };
}

/** Lines gathered before one write, at most (each turn of the event loop writes what it has). */
const BATCH_LINES = 256;

/** The lines of one event-loop turn, written to `stream` as one string. */
interface LineBatch extends DestinationStream {
  flush(): void;
}

/**
 * Gathers pino's lines and writes them once per event-loop turn: a write per line costs more than
 * building the line (string growth and a write call each time).
 */
function createBatch(stream: { write(text: string): boolean }): LineBatch {
  const lines: string[] = [];
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    if (lines.length > 0) {
      stream.write(lines.join(''));
      lines.length = 0;
    }
  };
  return {
    write(line: string) {
      lines.push(line);
      if (lines.length >= BATCH_LINES) {
        flush();
      } else if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    },
    flush,
  };
}

/** One finished request, as the listener wrapper knows it. */
export interface AccessRecord {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly labels: RequestLabels;
  readonly id: string;
  readonly seconds: number;
  /** Bytes sent on the connection for this response, headers included. */
  readonly bytes: number;
  readonly userId: string | undefined;
}

/** The access log of a node. */
export interface AccessLog {
  write(record: AccessRecord): void;
  /** Reopens the file (after a rotation moved it away); nothing for stdout. */
  reopen(): void;
  /** Writes what is buffered and closes the file. */
  close(): Promise<void>;
}

/** Options of {@link openAccessLog}. */
export interface AccessLogOptions {
  /** A file path, or `-` for standard output. */
  readonly target: string;
  /** Key of the user id hash (derived from the service key, so hashes cannot be matched to ids elsewhere). */
  readonly userKey: Buffer;
}

/** Opens the access log; rejects with a clear error when the file cannot be written. */
export async function openAccessLog(options: AccessLogOptions): Promise<AccessLog> {
  const toStdout = options.target === '-';
  if (!toStdout) {
    // Checked before pino's stream exists: a stream that never opens makes pino's exit hook throw
    // ("sonic boom is not ready yet") over the clear error.
    await checkWritable(options.target);
  }
  // Imported here: a service without --access-log never loads pino (decision 0035).
  const { destination, pino } = await import('pino');
  const stream = destination(
    toStdout ? { dest: 1, sync: false } : { dest: options.target, sync: false, mkdir: true, append: true },
  );
  if (!toStdout) {
    await whenOpen(stream, options.target);
  }
  const batch = createBatch(stream);
  const logger: Logger = pino(
    {
      base: null,
      messageKey: 'message',
      timestamp: createIsoTime(),
      // Every line says it is an access-log line (stdout may carry other lines); pino's level is noise here.
      formatters: { level: () => ACCESS_MARK },
    },
    batch,
  );
  const hashUser = (userId: string) =>
    createHmac('sha256', options.userKey).update(userId).digest('hex').slice(0, 32);
  return {
    write(record) {
      logger.info(lineOf(record, hashUser));
    },
    reopen() {
      if (!toStdout) {
        stream.reopen();
      }
    },
    close() {
      batch.flush();
      return new Promise((resolve) => {
        stream.flush(() => {
          if (toStdout) {
            resolve();
            return;
          }
          stream.once('close', () => resolve());
          stream.end();
        });
      });
    },
  };
}

function lineOf(record: AccessRecord, hashUser: (id: string) => string): Record<string, unknown> {
  const { req, res, labels } = record;
  const url = req.url ?? '/';
  const mark = url.indexOf('?');
  return {
    host: req.headers.host ?? '',
    site: labels.site,
    environment: labels.environment,
    kind: labels.kind,
    method: req.method ?? '',
    path: mark === -1 ? url : url.slice(0, mark),
    ...(mark === -1 ? {} : { queryNames: queryNames(url.slice(mark + 1)) }),
    status: res.statusCode,
    bytes: record.bytes,
    durationMs: Math.round(record.seconds * 1e6) / 1000,
    requestId: record.id,
    ...(record.userId === undefined ? {} : { userHash: hashUser(record.userId) }),
    ...(res.writableFinished ? {} : { aborted: true }),
  };
}

/** The parameter names of a query string, without their values. */
function queryNames(query: string): string[] {
  return [...new URLSearchParams(query).keys()];
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

function whenOpen(stream: ReturnType<typeof Pino.destination>, target: string): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.once('ready', () => resolve());
    stream.once('error', (error: Error) => reject(unwritable(target, error)));
  });
}
