/**
 * The single `node:http` adapter of the edge listener (`node:https` when given a certificate). Upgrades
 * (WebSocket) are refused at once (D11) unless the host passes an upgrade listener (dev-server mode carries
 * hot reload to the dev server), and so is `CONNECT`; malformed requests and oversized headers get a
 * complete error response instead of a dropped socket, and bytes after a request that closes the
 * connection do not take the place of that request's answer.
 */
import {
  createServer,
  type IncomingMessage,
  maxHeaderSize,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { Duplex } from 'node:stream';
import type { SecureContextOptions, TlsOptions } from 'node:tls';
import { refuseUpgrade, type UpgradeRefusal } from './proxy/index.js';

/** A PEM certificate (chain) and its private key, for serving HTTPS. */
export interface TlsCertificate {
  readonly cert: string;
  readonly key: string;
}

/** A WebSocket upgrade listener (it must answer at once). */
export type UpgradeListener = (req: IncomingMessage, socket: Duplex, head: Buffer) => void;

/** Options of {@link createEdgeServer}. */
export interface EdgeServerOptions {
  /** Serve HTTPS with this certificate (`portico start --ssl`). */
  readonly tls?: TlsCertificate;
  /** Handles WebSocket upgrades; by default they are refused at once (D11). */
  readonly upgrade?: UpgradeListener;
}

/** Creates (but does not start) the edge HTTP server around a request listener; HTTPS with `tls`. */
export function createEdgeServer(
  listener: (req: IncomingMessage, res: ServerResponse) => void,
  options: EdgeServerOptions = {},
): Server {
  const { tls } = options;
  const server =
    tls === undefined
      ? createServer({ keepAliveTimeout: 5_000 }, listener)
      : createHttpsServer({ keepAliveTimeout: 5_000, cert: tls.cert, key: tls.key }, listener);
  return withEdgeEvents(server, options.upgrade);
}

/**
 * The same listener over TLS (1.2 and later), HTTP/1.1 only (docs/decisions/0021-https-and-custom-domains.md);
 * `tls` brings the certificate choice (`SNICallback`) and the default context.
 */
export function createSecureEdgeServer(
  listener: (req: IncomingMessage, res: ServerResponse) => void,
  tls: Pick<TlsOptions, 'SNICallback'> & SecureContextOptions,
  upgrade?: UpgradeListener,
): HttpsServer {
  return withEdgeEvents(
    createHttpsServer(
      { ...tls, minVersion: 'TLSv1.2', ALPNProtocols: ['http/1.1'], keepAliveTimeout: 5_000 },
      listener,
    ),
    upgrade,
  );
}

/**
 * The answer to `CONNECT host:port`: Portico is no proxy, and no target of that form is a resource it
 * serves, so 501 (RFC 9110 §15.6.2, as the upgrades of D11) rather than 405, whose `Allow` would describe a
 * resource (decision 0119). Without a `connect` listener Node closes the connection without a word.
 */
const CONNECT_REFUSAL: UpgradeRefusal = {
  status: '501 Not Implemented',
  contentType: 'text/plain; charset=utf-8',
  body: 'The CONNECT method is not supported: this server is not a proxy.\n',
};

function withEdgeEvents<T extends Server | HttpsServer>(server: T, upgrade: UpgradeListener | undefined): T {
  server.on('upgrade', upgrade ?? ((_req: IncomingMessage, socket: Duplex) => refuseUpgrade(socket)));
  server.on('connect', (_req: IncomingMessage, socket: Duplex) => refuseUpgrade(socket, CONNECT_REFUSAL));
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) =>
    answerClientError(error, socket),
  );
  return server;
}

function answerClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  if (error.code === 'HPE_CLOSED_CONNECTION') {
    // Bytes after a request that closes the connection (`Connection: close`, HTTP/1.0 without keep-alive).
    // That request is answered and the connection then closed by its response; the bytes are no request
    // (RFC 9112 §9.6) and are dropped. Node reports each further chunk too: each is ignored alike.
    return;
  }
  if (!socket.writable || error.code === 'ECONNRESET') {
    socket.destroy();
    return;
  }
  const [status, body] = clientErrorAnswer(error);
  socket.end(
    `HTTP/1.1 ${status}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

/** The status line and text of a request Node could not read (a request line alone too long is 414). */
function clientErrorAnswer(error: NodeJS.ErrnoException & { rawPacket?: Buffer }): [string, string] {
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    return ['408 Request Timeout', 'The request was not received in time.\n'];
  }
  if (error.code !== 'HPE_HEADER_OVERFLOW') {
    return ['400 Bad Request', 'The request could not be parsed.\n'];
  }
  // The request line alone is over the limit when its end is not within the limit's bytes.
  const lineEnd = error.rawPacket?.indexOf('\n') ?? 0;
  if (lineEnd === -1 || lineEnd > maxHeaderSize) {
    return ['414 URI Too Long', 'The URL is too long.\n'];
  }
  return ['431 Request Header Fields Too Large', 'Request headers are too large.\n'];
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
