/**
 * Log forwarding: `context.log`, `coreApi.log` and the user's `console.*` all end up as `log` messages to
 * the parent, tagged with the function name and invocation id when they happen during an invocation
 * (spec §1 step 6; issue 3 "Dev loop"). Lines that do not name their invocation (console output) get it
 * from the invocation scope, so output from concurrent invocations is attributed correctly.
 */
import { format } from 'node:util';
import type { LogLevel } from '../../shared/logger.js';
import { createInvocationScope, type InvocationScope, type InvocationTag } from './invocation-scope.js';
import type { ParentChannel } from './messages.js';
import type { RpcLogLevel } from './types.js';

export type { InvocationTag } from './invocation-scope.js';

/** The worker's log writer and the async scope that tags lines with their invocation. */
export interface WorkerLog {
  readonly scope: InvocationScope;
  /** Writes one line; `tag` defaults to the current invocation scope. */
  write(level: LogLevel, source: 'user' | 'system', message: string, tag?: InvocationTag): void;
}

const RPC_LEVELS: Record<RpcLogLevel, LogLevel | undefined> = {
  trace: 'debug',
  debug: 'debug',
  information: 'info',
  warning: 'warn',
  error: 'error',
  critical: 'error',
  none: undefined,
};

/** Maps a library log level to Portico's; `none` (and anything unknown) maps to `undefined` = drop. */
export function toLogLevel(level: unknown): LogLevel | undefined {
  return typeof level === 'string' && Object.hasOwn(RPC_LEVELS, level)
    ? RPC_LEVELS[level as RpcLogLevel]
    : undefined;
}

/** Creates the log writer over the parent channel. */
export function createWorkerLog(channel: ParentChannel): WorkerLog {
  const scope = createInvocationScope();
  return {
    scope,
    write(level, source, message, tag = scope.current()) {
      channel.send({ type: 'log', level, source, message, ...tag });
    },
  };
}

type ConsoleMethod = 'log' | 'info' | 'warn' | 'error' | 'debug' | 'trace';

const CONSOLE_LEVELS: Record<ConsoleMethod, LogLevel> = {
  log: 'info',
  info: 'info',
  warn: 'warn',
  error: 'error',
  debug: 'debug',
  trace: 'debug',
};

/**
 * Routes the user's `console.*` calls through `log` (this is the worker deliberately forwarding user
 * output). Returns a function that restores the original methods.
 */
export function captureConsole(log: WorkerLog): () => void {
  const target: Record<ConsoleMethod, (...args: unknown[]) => void> = console;
  const originals = new Map<ConsoleMethod, (...args: unknown[]) => void>();
  for (const method of Object.keys(CONSOLE_LEVELS) as ConsoleMethod[]) {
    originals.set(method, target[method]);
    target[method] = (...args: unknown[]) => log.write(CONSOLE_LEVELS[method], 'user', format(...args));
  }
  return () => {
    for (const [method, original] of originals) {
      target[method] = original;
    }
  };
}
