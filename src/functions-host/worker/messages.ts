/**
 * The worker → parent protocol over the Node IPC channel (`stdio: [..., 'ipc']`). Without an IPC channel
 * (a worker started by hand) the same messages are written to stderr as plain lines.
 */
import type { LogLevel } from '../../shared/logger.js';

/** One HTTP function as the parent lists it. `methods: null` means every method. */
export interface FunctionSummary {
  name: string;
  /** Upper-case methods, or `null` for all methods. */
  methods: string[] | null;
  /** The route template without the `api/` prefix: the declared route, else the function name. */
  route: string;
  authLevel: 'anonymous' | 'function';
}

/** Sent once the app is loaded and the server listens. */
export interface ReadyMessage {
  type: 'ready';
  functions: FunctionSummary[];
  warnings: string[];
  model: 'v3' | 'v4';
  streaming: boolean;
  port: number;
}

/** Sent when the app cannot be loaded; the worker then exits with code 3. */
export interface FatalMessage {
  type: 'fatal';
  message: string;
  code: string;
}

/** A log line from the user's code (`context.log`, `console.*`) or from the worker/library. */
export interface LogMessage {
  type: 'log';
  level: LogLevel;
  source: 'user' | 'system';
  message: string;
  functionName?: string;
  invocationId?: string;
  /**
   * Characters cut from the end of `message` ({@link capText}): the parent, which cuts a long line again,
   * says how many it did not show in all.
   */
  omitted?: number;
}

/** The answer to the parent's health check (`{type: 'ping', id}` over IPC). */
export interface PongMessage {
  type: 'pong';
  id: number;
}

/**
 * Sent by a worker started with `waitForLoad` once it has booted and waits for `load` (decision 0056).
 * The supervisor does not need it; it says when a wait begins, which nothing else shows.
 */
export interface WaitingMessage {
  type: 'waiting';
}

/** Every message the worker sends to its parent. */
export type WorkerMessage = ReadyMessage | FatalMessage | LogMessage | PongMessage | WaitingMessage;

/** Delivers messages to the parent; `flush` resolves once everything sent so far has left the process. */
export interface ParentChannel {
  send(message: WorkerMessage): void;
  flush(): Promise<void>;
}

/**
 * Longest text of a `log` or `fatal` message, in UTF-16 code units: its JSON line stays well under the
 * parent's limit for one message (`MAX_WORKER_MESSAGE_BYTES`, 4 MiB; at most 6 bytes of JSON per unit),
 * which kills a worker that goes over it (decision 0099).
 */
export const MAX_MESSAGE_TEXT = 256 * 1024;

/**
 * A channel over `process.send` when the worker has an IPC channel, else over stderr. It keeps its own
 * reference to `process.send` and removes the app's (see {@link hideChannelFromApp}).
 */
export function createParentChannel(): ParentChannel {
  const send = process.send?.bind(process);
  hideChannelFromApp();
  if (send === undefined || !process.connected) {
    return { send: (message) => process.stderr.write(`${formatMessage(message)}\n`), flush: async () => {} };
  }
  let pending: Promise<void> = Promise.resolve();
  return {
    send(message) {
      if (!process.connected) {
        return;
      }
      const capped = capText(message);
      pending = new Promise((resolve) => send(capped, undefined, undefined, () => resolve()));
    },
    flush: () => pending,
  };
}

/**
 * Removes `process.send` and `process._channel` before any app code loads, so that the app's code does
 * not talk to the server on Portico's channel by accident or by the obvious route. This is not the
 * security boundary (decision 0099): Node's own IPC code calls `process._send`, `process.channel` and
 * `process.disconnect`, so they stay, and the channel's descriptor (fd 3) stays writable; the server's
 * guard (`_ipc-guard.ts`) is what keeps a worker's writes from harming it.
 */
export function hideChannelFromApp(): void {
  const target = process as unknown as Record<string, unknown>;
  delete target.send;
  delete target._channel;
}

/**
 * `message` with a `log` or `fatal` text longer than {@link MAX_MESSAGE_TEXT} cut: a log's by how much in
 * `omitted` (the parent shows the count with its own cut), a fatal's saying so in its text.
 */
export function capText(message: WorkerMessage): WorkerMessage {
  if ((message.type !== 'log' && message.type !== 'fatal') || message.message.length <= MAX_MESSAGE_TEXT) {
    return message;
  }
  const cut = message.message.length - MAX_MESSAGE_TEXT;
  const kept = message.message.slice(0, MAX_MESSAGE_TEXT);
  return message.type === 'log'
    ? { ...message, message: kept, omitted: cut }
    : { ...message, message: `${kept}… (${cut} more characters not shown)` };
}

/** The stderr form of a message, for workers started without IPC. */
export function formatMessage(message: WorkerMessage): string {
  switch (message.type) {
    case 'log': {
      const tag = message.functionName ? `[${message.functionName}${idSuffix(message.invocationId)}] ` : '';
      return `${message.level}: ${tag}${message.message}`;
    }
    case 'fatal':
      return `fatal: ${message.message}`;
    case 'ready':
      return `ready: ${message.functions.length} function(s) on port ${message.port}`;
    case 'pong':
      return `pong ${message.id}`;
    case 'waiting':
      return 'waiting for load';
  }
}

function idSuffix(invocationId: string | undefined): string {
  return invocationId ? ` ${invocationId}` : '';
}
