/**
 * Graceful drain of a listener (SIGTERM): stop accepting, answer what is in flight and every later request
 * with `Connection: close`, and cut whatever is left at the deadline. A keep-alive connection between two
 * requests is not closed by the drain: a balancer may be sending its next request on it at that very
 * moment, which a close would reset. Its next request is answered with `Connection: close`, or node's
 * keep-alive timeout closes it as it would without a drain. A connection that has not sent a byte yet (a
 * browser's preconnect) does not hold the drain: it is closed once it had a moment to send a request.
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
  /**
   * Closes the connections that have not sent a byte yet and are older than `minAgeMs`; node's own sweep
   * leaves them open.
   */
  closeUnused(minAgeMs: number): void;
}

/** How often connections that never sent a byte are looked for during a drain. */
const SWEEP_MS = 50;

/**
 * How long a connection that has not sent a byte yet may take to send its first request once the drain
 * started: a client that connected a moment before (the balancer had not heard yet) is answered, with
 * `Connection: close`, instead of reset. A browser's preconnect that stays silent is closed after it.
 */
const UNUSED_GRACE_MS = 1000;

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
  };
}

/**
 * Stops `server` accepting and waits for its connections to end, until `deadline` (a `Date.now()` time);
 * then cuts what is left. Resolves true when everything ended in time.
 *
 * Keep-alive connections between two requests are left open (decision 0087): nginx under load reset a
 * request it had just sent on one when the drain closed it (`recv() failed (104: Connection reset by
 * peer)`), which no grace period avoids. They end when their next request is answered with `Connection:
 * close` or when node's keep-alive timeout (`keepAliveTimeout`, 5 s) closes them, as without a drain.
 * A download a slow client is still reading is in flight and is never cut before the deadline.
 */
export function drainServer(server: Server, deadline: number, gate: DrainSweep): Promise<boolean> {
  return new Promise((resolve) => {
    const started = Date.now();
    const closeIdle = () => {
      gate.closeUnused(Math.max(0, UNUSED_GRACE_MS - (Date.now() - started)));
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
    // node:http's own close() would close the idle keep-alive connections at once: stop accepting
    // through net's close, and leave them to their next request or their keep-alive timeout.
    NetServer.prototype.close.call(server, () => finish(true));
    closeIdle();
  });
}
