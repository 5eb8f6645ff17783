/**
 * Carries HTTP upgrades (hot reload over WebSocket: Vite's `vite-hmr` subprotocol, webpack-dev-server,
 * Angular) to the dev server with node's own upgrade handling: the handshake is replayed upstream, the
 * dev server's `101` (or its refusal) is written back, then bytes are piped both ways untouched. Either
 * side failing or closing closes the other; nothing here can throw into the listener.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Duplex } from 'node:stream';
import type { Logger } from '../../shared/logger.js';
import { type AddressPicker, isRetryableConnectError } from './_loopback.js';
import type { OutageReport } from './outage.js';
import { writeSocketAnswer } from './socket-answer.js';

interface CarrierOptions {
  readonly url: URL;
  readonly picker: AddressPicker;
  readonly logger: Logger;
  /** A dev server that cannot be reached is reported once per outage, not once per hot-reload socket. */
  readonly outage: OutageReport;
}

/** Carries upgrades to one dev server and remembers the open tunnels, so they can all be closed. */
export function createUpgradeCarrier(options: CarrierOptions): {
  carry(req: IncomingMessage, socket: Duplex, head: Buffer, headers: readonly string[]): void;
  closeAll(): void;
} {
  const open = new Set<Duplex>();
  return {
    carry(req, socket, head, headers) {
      socket.on('error', () => socket.destroy());
      open.add(socket);
      socket.once('close', () => open.delete(socket));
      connect({ req, socket, head, headers, ticket: options.outage.ticket() }, options, 0);
    },
    closeAll() {
      for (const socket of open) {
        socket.destroy();
      }
    },
  };
}

/** One client's upgrade: its request, socket, first bytes, and the handshake headers for the dev server. */
interface Handshake {
  readonly req: IncomingMessage;
  readonly socket: Duplex;
  readonly head: Buffer;
  readonly headers: readonly string[];
  /** Its {@link OutageReport} ticket. */
  readonly ticket: number;
}

function connect(handshake: Handshake, options: CarrierOptions, index: number): void {
  const { req, socket, head } = handshake;
  const candidates = options.picker.candidates();
  const address = candidates[index] ?? options.url.hostname;
  const upstream = sendHandshake(handshake, options.url, address);
  socket.once('close', () => upstream.destroy());
  upstream.on('upgrade', (answer: IncomingMessage, tunnel: Duplex, tunnelHead: Buffer) => {
    options.picker.remember(address);
    options.outage.answered(handshake.ticket);
    join(socket, head, answer, tunnel, tunnelHead);
  });
  upstream.on('response', (answer: IncomingMessage) => {
    options.outage.answered(handshake.ticket);
    relayRefusal(socket, answer);
  });
  upstream.on('error', (error: Error) => {
    if (isRetryableConnectError(error) && index + 1 < candidates.length && !socket.destroyed) {
      return connect(handshake, options, index + 1);
    }
    const failure = describeUpgradeFailure(error, options.url.origin);
    if (isRefusal(error)) {
      options.logger.warn(`WebSocket ${pathOf(req)}: ${failure}`);
    } else {
      options.outage.failed(error);
    }
    writeSocketAnswer(socket, 502, `${failure[0]?.toUpperCase() ?? ''}${failure.slice(1)}`);
  });
  upstream.end();
}

function sendHandshake(handshake: Handshake, url: URL, address: string) {
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return send({
    host: address,
    port: url.port || (url.protocol === 'https:' ? 443 : 80),
    method: handshake.req.method,
    path: url.pathname.replace(/\/+$/, '') + (handshake.req.url ?? '/'),
    // node sends a list as it is (no Host of its own): the edge's list holds the dev server's.
    headers: [...handshake.headers],
    agent: false,
    rejectUnauthorized: false,
    servername: /^[\d.]+$|:/.test(url.hostname) ? undefined : url.hostname,
  });
}

/** Writes the dev server's `101` to the client and pipes the two sockets together. */
function join(
  socket: Duplex,
  head: Buffer,
  answer: IncomingMessage,
  tunnel: Duplex,
  tunnelHead: Buffer,
): void {
  tunnel.on('error', () => socket.destroy());
  if (socket.destroyed) {
    tunnel.destroy();
    return;
  }
  socket.write(
    `HTTP/1.1 101 ${answer.statusMessage || 'Switching Protocols'}\r\n${formatHeaders(answer.rawHeaders)}\r\n`,
  );
  if (tunnelHead.length > 0) {
    socket.write(tunnelHead);
  }
  if (head.length > 0) {
    tunnel.write(head);
  }
  tunnel.pipe(socket).pipe(tunnel);
  socket.once('close', () => tunnel.destroy());
  tunnel.once('close', () => socket.destroy());
}

/** The dev server answered the handshake with a plain response: the client gets that response. */
function relayRefusal(socket: Duplex, answer: IncomingMessage): void {
  if (socket.destroyed) {
    answer.resume();
    return;
  }
  const head = `HTTP/1.1 ${answer.statusCode ?? 502} ${answer.statusMessage ?? ''}\r\n${formatHeaders(answer.rawHeaders)}\r\n`;
  socket.write(head);
  answer.pipe(socket);
}

function formatHeaders(raw: readonly string[]): string {
  let text = '';
  for (let i = 0; i < raw.length; i += 2) {
    text += `${raw[i]}: ${raw[i + 1]}\r\n`;
  }
  return text;
}

/** The request path without its query (hot-reload URLs carry tokens and ids), for the log. */
function pathOf(req: IncomingMessage): string {
  return (req.url ?? '/').split('?', 1)[0] ?? '/';
}

/** How many bytes of a non-HTTP answer are quoted. */
const QUOTED_BYTES = 80;

/**
 * What went wrong, for the developer: a parser code (`HPE_INVALID_CONSTANT`) means the dev server wrote
 * something that is not HTTP (Next.js writes a bare `Unauthorized` to a socket it refuses) or closed the
 * connection, which is how dev servers refuse WebSockets they do not want.
 */
export function describeUpgradeFailure(error: Error, origin: string): string {
  const code = codeOf(error);
  if (isRefusal(error)) {
    const answer = quoteRawAnswer(error);
    const what =
      answer === undefined
        ? 'closed the connection without an HTTP answer'
        : `answered ${answer}, which is not an HTTP response`;
    return `the dev server at ${origin} refused the WebSocket: it ${what}. Check the dev server's output; a dev server that limits the hosts or origins of its WebSockets needs this one allowed.`;
  }
  return `the dev server at ${origin} could not be reached for the WebSocket (${code ?? error.message}).`;
}

function codeOf(error: Error): string | undefined {
  return 'code' in error && typeof error.code === 'string' ? error.code : undefined;
}

/** The dev server was reached and refused the handshake (not HTTP, or a closed connection). */
function isRefusal(error: Error): boolean {
  const code = codeOf(error);
  return code?.startsWith('HPE_') === true || code === 'ECONNRESET';
}

/** The first bytes the dev server sent, when node's parser kept them (`rawPacket`), quoted and printable. */
function quoteRawAnswer(error: Error): string | undefined {
  const raw = 'rawPacket' in error ? error.rawPacket : undefined;
  if (!Buffer.isBuffer(raw) || raw.length === 0) {
    return undefined;
  }
  const text = raw
    .subarray(0, QUOTED_BYTES)
    .toString('latin1')
    .replace(/[^\x20-\x7e]/g, ' ')
    .trim();
  return `"${text}${raw.length > QUOTED_BYTES ? '…' : ''}"`;
}
