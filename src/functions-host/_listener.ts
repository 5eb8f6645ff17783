/**
 * The API app's loopback port, held by the supervisor for the host's whole life (decision 0029), and,
 * next to it, a Unix socket in a private folder that the edge of the same process uses instead (cheaper
 * per request than TCP loopback, decision 0033). Each connection accepted on either is handed, unread, to
 * one ready worker over its IPC channel, in turn (round robin), as Node's cluster module does; the worker
 * then reads and writes that socket itself, so the hand-over costs once per keep-alive connection, not per
 * request. A third socket, next to the second, takes the edge's frame connections (decision 0036); they
 * are handed over the same way, marked as frames. While no worker is ready, connections wait here, unread, for the next one; while none can come
 * (the app cannot load) they are closed at once.
 */
import { createServer, type Server, type Socket } from 'node:net';
import { PorticoError } from '../shared/errors.js';

/** What a connection speaks: HTTP/1.1, or the edge's frames. */
export type ConnectionProtocol = 'http' | 'frames';

/** A worker that can take connections. */
export interface ConnectionTarget {
  /** Sends `socket` to the worker; `onFailed` runs (with the socket still open) when that fails. */
  handOver(socket: Socket, protocol: ConnectionProtocol, onFailed: () => void): void;
}

/** The supervisor's listener. */
export interface ConnectionListener {
  /** The port bound (the one asked for, or the one the system picked for 0); 0 without a TCP port. */
  readonly port: number;
  /** The Unix socket bound as well, when one was asked for. */
  readonly socketPath: string | undefined;
  /** The Unix socket of frame connections, bound with {@link socketPath}. */
  readonly frameSocketPath: string | undefined;
  /** Starts handing connections to `target` (and hands it those waiting). */
  add(target: ConnectionTarget): void;
  /** Stops handing connections to `target`. */
  remove(target: ConnectionTarget): void;
  /**
   * No worker is coming (the app cannot load): closes the connections waiting, and new ones at once,
   * until a worker is added again.
   */
  dropWaiting(): void;
  /** Stops listening (the port is free and the socket file gone when it resolves) and ends waiting connections. */
  close(): Promise<void>;
}

/** Most connections kept waiting for a worker; more are closed at once. */
const MAX_WAITING = 1_024;

/**
 * Binds `host:port` (0 picks a free port; `undefined`: no TCP port) and, when given, the Unix sockets
 * `sockets.http` and `sockets.frames` (their folder must exist and be private). A busy port is a user
 * error naming the port.
 * @example
 * const listener = await openListener('127.0.0.1', 0, { http: '/tmp/portico-sock-x/api.sock', frames: … });
 * listener.add(worker);
 */
export async function openListener(
  host: string,
  port: number | undefined,
  sockets?: { readonly http: string; readonly frames: string },
): Promise<ConnectionListener> {
  const targets: ConnectionTarget[] = [];
  const waiting: [Socket, ConnectionProtocol][] = [];
  let turn = 0;
  let failed = false;
  const dispatch = (socket: Socket, protocol: ConnectionProtocol): void => {
    if (socket.destroyed) {
      return;
    }
    const target = targets[turn % targets.length];
    if (target === undefined) {
      if (failed || waiting.length >= MAX_WAITING) {
        socket.destroy();
      } else {
        waiting.push([socket, protocol]);
      }
      return;
    }
    turn = (turn + 1) % targets.length;
    target.handOver(socket, protocol, () => {
      // The worker went away between the pick and the send: another one takes the connection.
      removeTarget(targets, target);
      dispatch(socket, protocol);
    });
  };
  const accept = (protocol: ConnectionProtocol) => (socket: Socket) => dispatch(socket, protocol);
  const server = port === undefined ? undefined : createServer({ pauseOnConnect: true }, accept('http'));
  // A listener error after binding (none is expected on loopback) must never crash the parent.
  const bound = server === undefined || port === undefined ? 0 : await bind(server, host, port);
  server?.on('error', () => {});
  const locals: Server[] = [];
  try {
    if (sockets !== undefined) {
      locals.push(await bindSocket(accept('http'), sockets.http));
      locals.push(await bindSocket(accept('frames'), sockets.frames));
    }
  } catch (error) {
    server?.close();
    for (const local of locals) {
      local.close();
    }
    throw error;
  }
  return {
    port: bound,
    socketPath: sockets?.http,
    frameSocketPath: sockets?.frames,
    add(target) {
      failed = false;
      targets.push(target);
      for (const [socket, protocol] of waiting.splice(0)) {
        dispatch(socket, protocol);
      }
    },
    remove: (target) => removeTarget(targets, target),
    dropWaiting() {
      failed = true;
      for (const [socket] of waiting.splice(0)) {
        socket.destroy();
      }
    },
    close() {
      for (const [socket] of waiting.splice(0)) {
        socket.destroy();
      }
      // Not waiting for close's callback: Node waits there for the connections handed to workers, which
      // are the workers' business (they are stopped, or stopping, by now). Closing a Unix socket server
      // removes its file at once.
      server?.close();
      for (const local of locals) {
        local.close();
      }
      return Promise.resolve();
    },
  };
}

function removeTarget(targets: ConnectionTarget[], target: ConnectionTarget): void {
  const index = targets.indexOf(target);
  if (index >= 0) {
    targets.splice(index, 1);
  }
}

function bind(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => reject(listenError(error, host, port)));
    server.listen(port, host, () => {
      const address = server.address();
      resolve(typeof address === 'object' && address !== null ? address.port : port);
    });
  });
}

/** A server on the Unix socket `path`, handing its connections to `onConnection`. */
function bindSocket(onConnection: (socket: Socket) => void, path: string): Promise<Server> {
  const server = createServer({ pauseOnConnect: true }, onConnection);
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        new PorticoError('FUNCTIONS_LISTEN_FAILED', `cannot listen on ${path}: ${error.message}`, {
          cause: error,
        }),
      ),
    );
    server.listen(path, () => {
      server.on('error', () => {});
      resolve(server);
    });
  });
}

function listenError(error: NodeJS.ErrnoException, host: string, port: number): PorticoError {
  return error.code === 'EADDRINUSE'
    ? new PorticoError(
        'FUNCTIONS_PORT_IN_USE',
        `Port ${port} on ${host} is already in use, so the Functions app cannot listen there. Stop the program that holds it (another portico functions start, or func start?) or choose another port with --port <number>.`,
      )
    : new PorticoError('FUNCTIONS_LISTEN_FAILED', `cannot listen on ${host}:${port}: ${error.message}`, {
        cause: error,
      });
}
