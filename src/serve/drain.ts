/**
 * Graceful drain of a listener (SIGTERM): stop accepting, answer what is in flight with
 * `Connection: close` so that no client sends another request on a connection about to close, close
 * connections as they fall idle, and cut whatever is left at the deadline.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';

type Listener = (req: IncomingMessage, res: ServerResponse) => void;

/** Tracks the responses in flight of the listeners it wraps. */
export interface DrainGate {
  /** The listener with its responses tracked. */
  wrap(listener: Listener): Listener;
  /** True once a drain started. */
  readonly draining: boolean;
  /** From now on, no response keeps its connection alive. */
  start(): void;
}

/** How often connections that fell idle are closed during a drain. */
const SWEEP_MS = 50;

/** Creates the gate; one per service. */
export function createDrainGate(): DrainGate {
  const active = new Set<ServerResponse>();
  let draining = false;
  const forget = function (this: ServerResponse) {
    active.delete(this);
  };
  return {
    wrap: (listener) => (req, res) => {
      if (draining) {
        res.shouldKeepAlive = false;
      } else {
        active.add(res);
        res.once('close', forget);
      }
      listener(req, res);
    },
    get draining() {
      return draining;
    },
    start() {
      draining = true;
      for (const res of active) {
        if (!res.headersSent) {
          res.shouldKeepAlive = false;
        }
      }
      active.clear();
    },
  };
}

/**
 * Stops `server` accepting and waits for its connections to end, until `deadline` (a `Date.now()` time);
 * then cuts what is left. Resolves true when everything ended in time.
 */
export function drainServer(server: Server, deadline: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sweep = setInterval(() => server.closeIdleConnections(), SWEEP_MS);
    const finish = (clean: boolean) => {
      clearInterval(sweep);
      clearTimeout(timer);
      resolve(clean);
    };
    const timer = setTimeout(
      () => {
        server.closeAllConnections();
        finish(false);
      },
      Math.max(0, deadline - Date.now()),
    );
    if (!server.listening) {
      server.closeAllConnections();
      finish(true);
      return;
    }
    server.close(() => finish(true));
    server.closeIdleConnections();
  });
}
