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

/** A channel over `process.send` when the worker has an IPC channel, else over stderr. */
export function createParentChannel(): ParentChannel {
  const send = process.send?.bind(process);
  if (send === undefined || !process.connected) {
    return { send: (message) => process.stderr.write(`${formatMessage(message)}\n`), flush: async () => {} };
  }
  let pending: Promise<void> = Promise.resolve();
  return {
    send(message) {
      if (!process.connected) {
        return;
      }
      pending = new Promise((resolve) => send(message, undefined, undefined, () => resolve()));
    },
    flush: () => pending,
  };
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
