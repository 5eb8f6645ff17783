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

/** `[functionName invocationId-short] message`, or `[api] message` for lines outside an invocation. */
export function formatWorkerLog(message: LogMessage): string {
  const parts = [message.functionName, message.invocationId?.slice(0, SHORT_ID_LENGTH)].filter(
    (part): part is string => part !== undefined && part !== '',
  );
  const tag = parts.length === 0 ? API_TAG : `[${parts.join(' ')}]`;
  return `${tag} ${message.message}`;
}

/** Writes a worker log line through the logger method matching its level. */
export function logWorkerMessage(logger: Logger, message: LogMessage): void {
  logger[loggerLevel(message.level)](formatWorkerLog(message));
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
