/**
 * The worker's side of decision 0029: connections come from the parent over IPC instead of a port of the
 * worker's own (the parent holds the app's port and hands each accepted connection to one of the app's
 * workers), and the parent's health `ping` is answered with `pong` by whichever mode the worker runs in.
 * After a sibling worker was replaced, `rebalance` closes each connection after its next response, so
 * the client's reconnections are spread over all workers again.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { isRecord } from '../../shared/guards.js';
import type { ParentChannel } from './messages.js';

/** Connections handed over by the parent; {@link close} waits for them to finish. */
export interface ParentConnections {
  /** Refuses new connections, closes idle ones, and resolves once all are closed (forced after 5 s). */
  close(): Promise<void>;
}

/** Answers the parent's health checks: `{type: 'ping', id}` → `{type: 'pong', id}`. */
export function answerPings(channel: ParentChannel): void {
  process.on('message', (message: unknown) => {
    if (isRecord(message) && message.type === 'ping' && typeof message.id === 'number') {
      channel.send({ type: 'pong', id: message.id });
    }
  });
}

/** Serves the connections the parent sends (`{type: 'connection'}` with the socket as handle) on `server`. */
export function acceptFromParent(server: Server): ParentConnections {
  const open = new Set<Socket>();
  const closeAfterNext = new WeakSet<Socket>();
  let closing = false;
  // After this request's response the connection closes (Connection: close), so the client reconnects.
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (closeAfterNext.has(req.socket)) {
      closeAfterNext.delete(req.socket);
      res.shouldKeepAlive = false;
    }
  });
  process.on('message', (message: unknown, handle: unknown) => {
    if (isRecord(message) && message.type === 'rebalance') {
      for (const socket of open) {
        closeAfterNext.add(socket);
      }
      return;
    }
    if (!isRecord(message) || message.type !== 'connection' || !(handle instanceof Socket)) {
      return;
    }
    if (closing) {
      handle.destroy();
      return;
    }
    open.add(handle);
    handle.once('close', () => open.delete(handle));
    server.emit('connection', handle);
  });
  return {
    close() {
      closing = true;
      return drain(server, open);
    },
  };
}

/** Grace for in-flight requests when the worker stops. */
const DRAIN_LIMIT_MS = 5_000;
const DRAIN_POLL_MS = 50;

function drain(server: Server, open: ReadonlySet<Socket>): Promise<void> {
  return new Promise((resolve) => {
    const started = Date.now();
    const poll = (): void => {
      server.closeIdleConnections();
      if (open.size === 0) {
        resolve();
        return;
      }
      if (Date.now() - started >= DRAIN_LIMIT_MS) {
        server.closeAllConnections();
        resolve();
        return;
      }
      setTimeout(poll, DRAIN_POLL_MS).unref();
    };
    poll();
  });
}
