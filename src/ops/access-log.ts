/**
 * `--access-log <file|->`: one JSON line per data-plane request, written by pino. A line holds what an
 * operator needs and nothing secret: never cookies, tokens, keys or query values (only query parameter
 * names), and the user as a keyed hash of the user id. The file is reopened on SIGHUP for log rotation.
 */
import { createHmac } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type DestinationStream, destination, type Logger, pino } from 'pino';
import { PorticoError } from '../shared/errors.js';
import type { RequestLabels } from './metrics.js';

const ACCESS_MARK = Object.freeze({ log: 'access' });
const BUFFER_BYTES = 4096;
const FLUSH_MS = 1000;

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
  // Lines are written 4 KB at a time, and at least every second: one write per request costs a fifth
  // of the static path's throughput.
  const buffering = { sync: false, minLength: BUFFER_BYTES, periodicFlush: FLUSH_MS };
  const stream = destination(
    toStdout ? { dest: 1, ...buffering } : { dest: options.target, ...buffering, mkdir: true, append: true },
  );
  if (!toStdout) {
    await whenOpen(stream, options.target);
  }
  const logger: Logger = pino(
    {
      base: null,
      messageKey: 'message',
      timestamp: pino.stdTimeFunctions.isoTime,
      // Every line says it is an access-log line (stdout may carry other lines); pino's level is noise here.
      formatters: { level: () => ACCESS_MARK },
    },
    stream as DestinationStream,
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

function whenOpen(stream: ReturnType<typeof destination>, target: string): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.once('ready', () => resolve());
    stream.once('error', (error: Error) =>
      reject(
        new PorticoError(
          'SERVE_ACCESS_LOG_UNWRITABLE',
          `Cannot open the access log ${target}: ${error.message}. Give --access-log a writable file, or - for standard output.`,
          { cause: error },
        ),
      ),
    );
  });
}
