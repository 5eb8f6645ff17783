/**
 * A tiny leveled logger writing one line per event. The dev server's output is read by people, so lines
 * are plain text; nothing here ever prints secrets (cookies, tokens and principals are never passed in).
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Creates a logger that writes lines at or above `level` to `write` (stderr by default). */
export function createLogger(options: { level?: LogLevel; write?: (line: string) => void } = {}): Logger {
  const min = ORDER[options.level ?? 'info'];
  const write = options.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  const emit = (level: LogLevel, prefix: string) => (message: string) => {
    if (ORDER[level] >= min) {
      write(prefix + message);
    }
  };
  return {
    debug: emit('debug', ''),
    info: emit('info', ''),
    warn: emit('warn', 'warning: '),
    error: emit('error', 'error: '),
  };
}

/** A logger that drops everything; for tests and library use. */
export const SILENT_LOGGER: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/**
 * `logger` with `prefix` before every message: the lines of one tenant's functions say whose they are, so a
 * function cannot pass its output off as another site's or as the server's own.
 */
export function withPrefix(logger: Logger, prefix: string): Logger {
  return {
    debug: (message) => logger.debug(prefix + message),
    info: (message) => logger.info(prefix + message),
    warn: (message) => logger.warn(prefix + message),
    error: (message) => logger.error(prefix + message),
  };
}
