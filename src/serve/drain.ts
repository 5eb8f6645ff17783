/**
 * Graceful drain of a listener (SIGTERM): stop accepting, answer what is in flight with
 * `Connection: close` so that no client sends another request on a connection about to close, close
 * connections as they fall idle, and cut whatever is left at the deadline. A response that has ended
 * but whose bytes still wait for a slow client is in flight, not idle: its download is never cut short.
 * A connection that has not sent a byte yet (a browser's preconnect) is idle: it does not hold the drain.
 */
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { Server as NetServer, type Socket } from 'node:net';
import { Server as TlsServer } from 'node:tls';

type Listener = (req: IncomingMessage, res: ServerResponse) => void;

/** Tracks the connections and responses in flight of the listeners it wraps and watches. */
export interface DrainGate extends DrainSweep {
  /** The listener with its responses tracked. */
  wrap(listener: Listener): Listener;
  /**
   * Tracks every connection `server` accepts from now on, also before its first request (an HTTPS
   * server's once its handshake is done: the socket its requests arrive on).
   */
  watch(server: Server | TlsServer): void;
  /** True once a drain started. */
  readonly draining: boolean;
  /** From now on, no response keeps its connection alive. */
  start(): void;
}

/** What a drain's sweep asks the gate. */
export interface DrainSweep {
  /** True while a response has ended but not all of it has been handed to the system yet. */
  flushing(): boolean;
  /**
   * Closes the connections that have not sent a byte yet and are older than `minAgeMs`; node's own sweep
   * leaves them open.
   */
  closeUnused(minAgeMs: number): void;
}

/** How often connections that fell idle are closed during a drain. */
const SWEEP_MS = 50;

/**
 * How long a connection that has not sent a byte yet may take to send its first request once the drain
 * started: a client that connected a moment before (the balancer had not heard yet) is answered, with
 * `Connection: close`, instead of reset. A browser's preconnect that stays silent is closed after it.
 */
const UNUSED_GRACE_MS = 1000;

/**
 * How long keep-alive connections between two requests stay open once the drain started: a request
 * that arrives on one meanwhile is answered with `Connection: close`; closing them at once reset the
 * requests a client was sending on them at that moment.
 */
const IDLE_GRACE_MS = 500;

/** When the gate began to track a connection. */
const OPENED_AT = Symbol('portico.drain.openedAt');

/** The response a connection answered last (node's own `_httpMessage` is not public). */
const LATEST_RESPONSE = Symbol('portico.drain.latestResponse');

/** Set once the gate tracks a connection. */
const TRACKED = Symbol('portico.drain.tracked');

interface TrackedSocket extends Socket {
  [LATEST_RESPONSE]?: ServerResponse;
  [TRACKED]?: true;
  [OPENED_AT]?: number;
}

/**
 * Creates the gate; one per service. It tracks connections, not responses: each remembers the response it
 * answered last, which is the one in flight when the drain starts, if any. A long-lived set that took in
 * every young response and gave it up on `close` made the gateway promote about 700 bytes per call into
 * V8's old generation (scavenges took 2.5 times as long per call). A property of the socket is what node
 * itself keeps (`socket._httpMessage`), and a connection joins the set once, not once per request. A
 * finished response stays referenced until its connection's next request or close (keep-alive
 * connections close after 5 idle seconds).
 */
export function createDrainGate(): DrainGate {
  const sockets = new Set<TrackedSocket>();
  let draining = false;
  const forget = function (this: TrackedSocket) {
    sockets.delete(this);
  };
  const track = (socket: TrackedSocket) => {
    socket[TRACKED] = true;
    socket[OPENED_AT] = Date.now();
    sockets.add(socket);
    socket.on('close', forget);
  };
  return {
    wrap: (listener) => (req, res) => {
      if (draining) {
        res.shouldKeepAlive = false;
      }
      const socket: TrackedSocket = req.socket;
      if (socket[TRACKED] !== true) {
        track(socket);
      }
      socket[LATEST_RESPONSE] = res;
      listener(req, res);
    },
    watch(server) {
      server.on(server instanceof TlsServer ? 'secureConnection' : 'connection', track);
    },
    closeUnused(minAgeMs) {
      const now = Date.now();
      for (const socket of sockets) {
        if (
          socket[LATEST_RESPONSE] === undefined &&
          socket.bytesRead === 0 &&
          now - (socket[OPENED_AT] ?? 0) >= minAgeMs
        ) {
          socket.destroy();
        }
      }
    },
    get draining() {
      return draining;
    },
    start() {
      draining = true;
      for (const socket of sockets) {
        const res = socket[LATEST_RESPONSE];
        if (res !== undefined && !res.headersSent) {
          res.shouldKeepAlive = false;
        }
      }
    },
    flushing() {
      for (const socket of sockets) {
        const res = socket[LATEST_RESPONSE];
        if (res?.writableEnded && !res.writableFinished) {
          return true;
        }
      }
      return false;
    },
  };
}

/**
 * Stops `server` accepting and waits for its connections to end, until `deadline` (a `Date.now()` time);
 * then cuts what is left. Idle connections are closed, but not while the gate is `flushing`: node counts
 * a connection whose response has ended as idle even while that response's last bytes wait for a slow
 * client, and closing it then would cut the download short. Resolves true when everything ended in time.
 */
export function drainServer(server: Server, deadline: number, gate: DrainSweep): Promise<boolean> {
  return new Promise((resolve) => {
    const started = Date.now();
    const closeIdle = () => {
      const elapsed = Date.now() - started;
      gate.closeUnused(Math.max(0, UNUSED_GRACE_MS - elapsed));
      if (elapsed >= IDLE_GRACE_MS && !gate.flushing()) {
        server.closeIdleConnections();
      }
    };
    const sweep = setInterval(closeIdle, SWEEP_MS);
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
    // node:http's own close() would close the idle connections at once, unguarded: stop accepting
    // through net's close, and let the guarded sweep close them.
    NetServer.prototype.close.call(server, () => finish(true));
    closeIdle();
  });
}
