/**
 * The worker's side of decision 0029: connections come from the parent over IPC instead of a port of the
 * worker's own (the parent holds the app's port and hands each accepted connection to one of the app's
 * workers), and the parent's health `ping` is answered with `pong` by whichever mode the worker runs in.
 * After a sibling worker was replaced, `rebalance` closes each connection after its next response, so
 * the client's reconnections are spread over all workers again. Connections marked `frames` speak the
 * edge's frame protocol (decision 0036); there rebalancing and stopping send GOAWAY, and the edge closes
 * the connection once it has its answers.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { isRecord } from '../../shared/guards.js';
import type { FrameConnection } from './frame-server.js';
import type { ParentChannel } from './messages.js';

/** Connections handed over by the parent; {@link close} waits for them to finish. */
export interface ParentConnections {
  /** Refuses new connections, closes idle ones, and resolves once all are closed (forced after 5 s). */
  close(): Promise<void>;
}

/**
 * A worker started while the app's files were still changing (decision 0056) waits here for
 * `{type: 'load'}` before it reads any of the app. Asked to stop, or left by its parent, meanwhile, it
 * exits.
 */
export function waitForLoad(channel: ParentChannel): Promise<void> {
  return new Promise((resolve) => {
    const onGone = (): void => process.exit(0);
    const onMessage = (message: unknown): void => {
      if (isRecord(message) && message.type === 'stop') {
        onGone();
      } else if (isRecord(message) && message.type === 'load') {
        process.off('message', onMessage);
        process.off('disconnect', onGone);
        resolve();
      }
    };
    process.on('message', onMessage);
    process.on('disconnect', onGone);
    channel.send({ type: 'waiting' });
  });
}

/** Answers the parent's health checks: `{type: 'ping', id}` → `{type: 'pong', id}`. */
export function answerPings(channel: ParentChannel): void {
  process.on('message', (message: unknown) => {
    if (isRecord(message) && message.type === 'ping' && typeof message.id === 'number') {
      channel.send({ type: 'pong', id: message.id });
    }
  });
}

/**
 * Serves the connections the parent sends (`{type: 'connection'}` with the socket as handle) on `server`,
 * and those marked `protocol: 'frames'` with `serveFrames`.
 */
export function acceptFromParent(
  server: Server,
  serveFrames: (socket: Socket) => FrameConnection,
): ParentConnections {
  const open = new Set<Socket>();
  const frameConnections = new Map<Socket, FrameConnection>();
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
      for (const connection of frameConnections.values()) {
        connection.goAway();
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
    handle.once('close', () => {
      open.delete(handle);
      frameConnections.delete(handle);
    });
    if (message.protocol === 'frames') {
      frameConnections.set(handle, serveFrames(handle));
    } else {
      server.emit('connection', handle);
    }
  });
  return {
    close() {
      closing = true;
      for (const connection of frameConnections.values()) {
        connection.goAway();
      }
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
        for (const socket of open) {
          socket.destroy();
        }
        resolve();
        return;
      }
      setTimeout(poll, DRAIN_POLL_MS).unref();
    };
    poll();
  });
}
