/**
 * Worker output shown to people: IPC log lines tagged with the function name and a short invocation id,
 * and raw stdout/stderr lines tagged `[api]`.
 */
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import type { Logger, LogLevel } from '../shared/logger.js';
import type { LogMessage, WorkerLogLevel } from './_protocol.js';

/** Characters of the invocation id shown in log lines; enough to tell concurrent calls apart. */
const SHORT_ID_LENGTH = 8;

/** Tag of lines that do not come from one function's invocation. */
export const API_TAG = '[api]';

/** Characters of one line of a worker's output kept in the server's log; the rest is cut. */
export const MAX_LOG_LINE_CHARS = 8_192;
/** Lines of one log message of a worker kept in the server's log. */
const MAX_LOG_MESSAGE_LINES = 100;

/** Terminal escape sequences (colours, cursor moves, titles), dropped from a worker's output. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching escape sequences is the point.
const ESCAPE_SEQUENCE = /\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-_])/g;
/** Other control characters (a carriage return included), shown as `?`. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const CONTROL = /[\x00-\x08\x0a-\x1f\x7f-\x9f]/g;

/**
 * One line of a worker's output as the server's log shows it: without terminal escapes or control
 * characters, which could rewrite or forge lines of the log, and cut at {@link MAX_LOG_LINE_CHARS}.
 * `omitted` counts characters of the line the worker already cut (a log message's `omitted`), which the
 * count of those not shown includes.
 */
export function printableLine(line: string, omitted = 0): string {
  const clean = line.replace(ESCAPE_SEQUENCE, '').replace(CONTROL, '?');
  const kept = clean.slice(0, MAX_LOG_LINE_CHARS);
  const notShown = clean.length - kept.length + omitted;
  return notShown === 0 ? kept : `${kept}… (${notShown} more characters)`;
}

/**
 * `[functionName invocationId-short] message`, or `[api] message` for lines outside an invocation: one
 * such line per line of the message, each tagged, so no line of a function can pass for the server's.
 */
export function formatWorkerLog(message: LogMessage): string[] {
  const { tag, lines } = workerLogLines(message);
  return lines.map((line) => `${tag} ${line}`);
}

/**
 * Writes a worker log message through the logger method matching its level: one record, its line breaks
 * kept, where the logger escapes them (JSON lines); otherwise a call per line, each tagged.
 */
export function logWorkerMessage(logger: Logger, message: LogMessage): void {
  const level = loggerLevel(message.level);
  if (logger.keepsLineBreaks === true) {
    const { tag, lines } = workerLogLines(message);
    logger[level](`${tag} ${lines.join('\n')}`);
    return;
  }
  for (const line of formatWorkerLog(message)) {
    logger[level](line);
  }
}

/** The tag of a worker log message, and its lines as the log shows them (printable, cut). */
function workerLogLines(message: LogMessage): { tag: string; lines: string[] } {
  const parts = [message.functionName, message.invocationId?.slice(0, SHORT_ID_LENGTH)].filter(
    (part): part is string => part !== undefined && part !== '',
  );
  const tag = parts.length === 0 ? API_TAG : `[${printableLine(parts.join(' '))}]`;
  const lines = message.message.split(/\r?\n/);
  const omitted = message.omitted ?? 0;
  if (lines.length > MAX_LOG_MESSAGE_LINES) {
    const kept = lines.slice(0, MAX_LOG_MESSAGE_LINES).map((line) => printableLine(line));
    const more = lines.length - MAX_LOG_MESSAGE_LINES;
    const cut = omitted === 0 ? '' : `, then ${omitted} more characters`;
    return { tag, lines: [...kept, `… (${more} more lines${cut})`] };
  }
  // The worker cut the message's end: its last line.
  return { tag, lines: lines.map((line, i) => printableLine(line, i === lines.length - 1 ? omitted : 0)) };
}

function loggerLevel(level: WorkerLogLevel): LogLevel {
  switch (level) {
    case 'trace':
    case 'debug':
      return 'debug';
    case 'warning':
    case 'warn':
      return 'warn';
    case 'error':
    case 'critical':
      return 'error';
    default:
      return 'info';
  }
}

/** What Node.js writes on stderr about its inspector (`--inspect`), word for word. */
const INSPECTOR_NOTICES = [
  'Debugger listening on ws://',
  'For help, see: https://nodejs.org/en/docs/inspector',
  'Debugger attached.',
  'Debugger ending on ws://',
  'Waiting for the debugger to disconnect...',
];

/** True for a line Node.js writes about its inspector, which is not a warning of the app's. */
export function isInspectorNotice(line: string): boolean {
  return INSPECTOR_NOTICES.some((notice) => line.startsWith(notice));
}

/** Calls `write` with each line of `stream` (a child's stdout or stderr), without the line break. */
export function forwardLines(stream: Readable | null, write: (line: string) => void): void {
  if (stream === null) {
    return;
  }
  const lines = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
  lines.on('line', write);
}

/** The last lines written, kept to explain a worker that dies before it is ready. */
export interface LineTail {
  push(line: string): void;
  lines(): string[];
}

/** A {@link LineTail} of at most `size` lines. */
export function createLineTail(size: number): LineTail {
  const kept: string[] = [];
  return {
    push(line) {
      kept.push(line);
      if (kept.length > size) {
        kept.shift();
      }
    },
    lines: () => [...kept],
  };
}
