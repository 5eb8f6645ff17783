/**
 * A tiny leveled logger writing one line per event. The dev server's output is read by people, so lines
 * are plain text; `portico serve` may write JSON lines for a log collector instead. Nothing here ever
 * prints secrets (cookies, tokens and principals are never passed in).
 */
import { format } from 'node:util';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  /**
   * True when a message is one record whatever line breaks it holds (`json`, where they are escaped): a
   * message of several lines, such as a function's, may then be logged whole rather than line by line.
   */
  readonly keepsLineBreaks?: boolean;
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/**
 * How lines look: `text` for people (`warning: …`), or `json` for a log collector: one object per line,
 * `{"time":"<ISO 8601>","level":"warn","pid":<n>,"msg":"…"}` (a message's line breaks stay escaped in it).
 */
export type LogFormat = 'text' | 'json';

export const LOG_FORMATS: readonly LogFormat[] = ['text', 'json'];

/** Creates a logger that writes lines at or above `level` to `write` (stderr by default). */
export function createLogger(
  options: { level?: LogLevel; write?: (line: string) => void; format?: LogFormat; now?: () => Date } = {},
): Logger {
  const min = ORDER[options.level ?? 'info'];
  const write = options.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  const now = options.now ?? (() => new Date());
  const emit =
    options.format === 'json'
      ? (level: LogLevel) => (message: string) => {
          if (ORDER[level] >= min) {
            write(JSON.stringify({ time: now().toISOString(), level, pid: process.pid, msg: message }));
          }
        }
      : (level: LogLevel) => (message: string) => {
          if (ORDER[level] >= min) {
            write(TEXT_PREFIX[level] + message);
          }
        };
  return {
    keepsLineBreaks: options.format === 'json',
    debug: emit('debug'),
    info: emit('info'),
    warn: emit('warn'),
    error: emit('error'),
  };
}

const TEXT_PREFIX: Record<LogLevel, string> = { debug: '', info: '', warn: 'warning: ', error: 'error: ' };

/** A logger that drops everything; for tests and library use. */
export const SILENT_LOGGER: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/**
 * `logger` with `prefix` before every message: the lines of one tenant's functions say whose they are, so a
 * function cannot pass its output off as another site's or as the server's own.
 */
export function withPrefix(logger: Logger, prefix: string): Logger {
  return {
    keepsLineBreaks: logger.keepsLineBreaks === true,
    debug: (message) => logger.debug(prefix + message),
    info: (message) => logger.info(prefix + message),
    warn: (message) => logger.warn(prefix + message),
    error: (message) => logger.error(prefix + message),
  };
}

/**
 * Sends what libraries print with `console.warn` and `console.error` (ioredis's password warnings, Node's
 * own deprecation notes go elsewhere) through `logger`, so that a JSON log stays one object per line.
 */
export function routeConsoleTo(logger: Logger): void {
  console.warn = (...args: unknown[]) => logger.warn(format(...args));
  console.error = (...args: unknown[]) => logger.error(format(...args));
}
