/**
 * A TCP relay in front of a shared server (PostgreSQL, Redis) that a test can "stop" and "start" without
 * touching the real server, which other tests use: stopping closes the port and cuts every connection;
 * holding keeps the connections and answers nothing.
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

/** A relay on 127.0.0.1 to `target`. */
export interface TcpRelay {
  readonly port: number;
  /** Refuses new connections and cuts the open ones. */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  start(): Promise<void>;
  /**
   * Keeps every connection open but passes nothing back from the server (a paused or overloaded server
   * that still holds its connections), until {@link TcpRelay.resume}.
   */
  hold(): void;
  resume(): void;
  /** Bytes the clients have sent towards the server so far (what they asked, held or not). */
  sent(): number;
  close(): Promise<void>;
}

/** Starts a relay to `host:port`. */
export async function startTcpRelay(target: { host: string; port: number }): Promise<TcpRelay> {
  const sockets = new Set<Socket>();
  const upstreams = new Set<Socket>();
  let held = false;
  let sentBytes = 0;
  const server: Server = createServer((client) => {
    client.on('data', (chunk: Buffer) => {
      sentBytes += chunk.length;
    });
    const upstream = connect(target.port, target.host);
    upstreams.add(upstream);
    upstream.on('close', () => upstreams.delete(upstream));
    if (held) {
      upstream.pause();
    }
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream).pipe(client);
  });
  const listenOn = (port: number) =>
    new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        const address = server.address();
        resolve(typeof address === 'object' && address !== null ? address.port : port);
      });
    });
  const port = await listenOn(0);
  const stop = () =>
    new Promise<void>((resolve) => {
      if (!server.listening) {
        resolve();
        return;
      }
      server.close(() => resolve());
      for (const socket of sockets) {
        socket.destroy();
      }
    });
  return {
    port,
    stop,
    start: async () => {
      await listenOn(port);
    },
    close: stop,
    hold: () => {
      held = true;
      for (const upstream of upstreams) {
        upstream.pause();
      }
    },
    sent: () => sentBytes,
    resume: () => {
      held = false;
      for (const upstream of upstreams) {
        upstream.resume();
      }
    },
  };
}
