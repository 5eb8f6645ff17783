/**
 * The worker → parent IPC messages, checked on arrival: the worker runs user code, so anything it sends
 * is parsed, never trusted. Unknown or malformed messages are dropped.
 */
import { isRecord } from '../shared/guards.js';
import type { FunctionSummary } from './types.js';

/** Sent once the app is loaded and the worker listens. */
export interface ReadyMessage {
  readonly type: 'ready';
  readonly functions: FunctionSummary[];
  readonly warnings: string[];
  /** The app streams HTTP bodies: the edge reaches it over HTTP, not frames (decision 0036). */
  readonly streaming: boolean;
}

/** Sent when the app cannot be loaded; the worker then exits with code 3. */
export interface FatalMessage {
  readonly type: 'fatal';
  readonly message: string;
  readonly code?: string;
}

/** Levels of the Azure Functions logger, plus the short names of Portico's own logger. */
export type WorkerLogLevel =
  | 'trace'
  | 'debug'
  | 'information'
  | 'info'
  | 'warning'
  | 'warn'
  | 'error'
  | 'critical';

/** A log line from user code (`context.log`, `console.*`) or from the worker. */
export interface LogMessage {
  readonly type: 'log';
  readonly level: WorkerLogLevel;
  readonly message: string;
  readonly functionName?: string;
  readonly invocationId?: string;
  /** Characters the worker cut from the end of `message` (its limit for one message). */
  readonly omitted?: number;
}

/** The answer to the parent's health `ping` (sent over IPC with the same id). */
export interface PongMessage {
  readonly type: 'pong';
  readonly id: number;
}

/** Every message the parent understands. */
export type WorkerMessage = ReadyMessage | FatalMessage | LogMessage | PongMessage;

const LOG_LEVELS: ReadonlySet<string> = new Set([
  'trace',
  'debug',
  'information',
  'info',
  'warning',
  'warn',
  'error',
  'critical',
]);

/** The message `value` holds, or undefined when it is not one the parent understands. */
export function parseWorkerMessage(value: unknown): WorkerMessage | undefined {
  if (!isRecord(value)) {
    return undefined;
  }
  switch (value.type) {
    case 'ready':
      return parseReady(value);
    case 'fatal':
      return parseFatal(value);
    case 'log':
      return parseLog(value);
    case 'pong':
      return typeof value.id === 'number' ? { type: 'pong', id: value.id } : undefined;
    default:
      return undefined;
  }
}

function parseReady(value: Record<string, unknown>): ReadyMessage {
  const functions = Array.isArray(value.functions) ? value.functions.flatMap(parseFunction) : [];
  return {
    type: 'ready',
    functions,
    warnings: stringsOf(value.warnings),
    streaming: value.streaming === true,
  };
}

function parseFunction(value: unknown): FunctionSummary[] {
  if (!isRecord(value) || typeof value.name !== 'string') {
    return [];
  }
  const methods = Array.isArray(value.methods) ? stringsOf(value.methods) : null;
  return [
    {
      name: value.name,
      methods: methods === null || methods.length === 0 ? null : methods.map((m) => m.toUpperCase()),
      route: typeof value.route === 'string' ? value.route : value.name,
      authLevel: typeof value.authLevel === 'string' ? value.authLevel : 'anonymous',
    },
  ];
}

function parseFatal(value: Record<string, unknown>): FatalMessage {
  const message = typeof value.message === 'string' ? value.message : 'the API app could not be loaded';
  return typeof value.code === 'string'
    ? { type: 'fatal', message, code: value.code }
    : { type: 'fatal', message };
}

function parseLog(value: Record<string, unknown>): LogMessage | undefined {
  if (typeof value.message !== 'string') {
    return undefined;
  }
  return {
    type: 'log',
    level: isLogLevel(value.level) ? value.level : 'information',
    message: value.message,
    ...(typeof value.functionName === 'string' ? { functionName: value.functionName } : {}),
    ...(typeof value.invocationId === 'string' ? { invocationId: value.invocationId } : {}),
    ...(isCount(value.omitted) ? { omitted: value.omitted } : {}),
  };
}

function isCount(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) > 0;
}

function isLogLevel(value: unknown): value is WorkerLogLevel {
  return typeof value === 'string' && LOG_LEVELS.has(value);
}

function stringsOf(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}
