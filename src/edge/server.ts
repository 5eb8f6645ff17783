/**
 * The single `node:http` adapter of the edge listener. Upgrades (WebSocket) are refused at once (D11);
 * malformed requests and oversized headers get a complete error response instead of a dropped socket.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { Duplex } from 'node:stream';
import type { SecureContextOptions, TlsOptions } from 'node:tls';
import { refuseUpgrade } from './proxy/index.js';

/** Creates (but does not start) the edge HTTP server around a request listener. */
export function createEdgeServer(listener: (req: IncomingMessage, res: ServerResponse) => void): Server {
  return withEdgeEvents(createServer({ keepAliveTimeout: 5_000 }, listener));
}

/**
 * The same listener over TLS (1.2 and later), HTTP/1.1 only (docs/decisions/0013-https-and-custom-domains.md);
 * `tls` brings the certificate choice (`SNICallback`) and the default context.
 */
export function createSecureEdgeServer(
  listener: (req: IncomingMessage, res: ServerResponse) => void,
  tls: Pick<TlsOptions, 'SNICallback'> & SecureContextOptions,
): HttpsServer {
  return withEdgeEvents(
    createHttpsServer(
      { ...tls, minVersion: 'TLSv1.2', ALPNProtocols: ['http/1.1'], keepAliveTimeout: 5_000 },
      listener,
    ),
  );
}

function withEdgeEvents<T extends Server | HttpsServer>(server: T): T {
  server.on('upgrade', (_req: IncomingMessage, socket: Duplex) => refuseUpgrade(socket));
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) =>
    answerClientError(error, socket),
  );
  return server;
}

function answerClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  if (!socket.writable || error.code === 'ECONNRESET') {
    socket.destroy();
    return;
  }
  const tooLarge = error.code === 'HPE_HEADER_OVERFLOW';
  const status = tooLarge ? '431 Request Header Fields Too Large' : '400 Bad Request';
  const body = tooLarge ? 'Request headers are too large.\n' : 'The request could not be parsed.\n';
  socket.end(
    `HTTP/1.1 ${status}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/** Starts `server` on host:port and resolves with the bound port (useful with port 0). */
export function listen(server: Server | HttpsServer, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.address();
      resolve(typeof address === 'object' && address !== null ? address.port : port);
    });
  });
}

/** Stops accepting connections and closes idle and active ones. */
export function closeServer(server: Server | HttpsServer): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
