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
import { writeSocketAnswer } from './socket-answer.js';

/** Request headers that describe the client's hop only (the handshake's own are kept). */
const DROPPED = new Set(['host', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding']);

interface CarrierOptions {
  readonly url: URL;
  readonly picker: AddressPicker;
  readonly logger: Logger;
}

/** Carries upgrades to one dev server and remembers the open tunnels, so they can all be closed. */
export function createUpgradeCarrier(options: CarrierOptions): {
  carry(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  closeAll(): void;
} {
  const open = new Set<Duplex>();
  return {
    carry(req, socket, head) {
      socket.on('error', () => socket.destroy());
      open.add(socket);
      socket.once('close', () => open.delete(socket));
      connect(req, socket, head, options, 0);
    },
    closeAll() {
      for (const socket of open) {
        socket.destroy();
      }
    },
  };
}

function connect(
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  options: CarrierOptions,
  index: number,
): void {
  const candidates = options.picker.candidates();
  const address = candidates[index] ?? options.url.hostname;
  const upstream = sendHandshake(req, options.url, address);
  socket.once('close', () => upstream.destroy());
  upstream.on('upgrade', (answer: IncomingMessage, tunnel: Duplex, tunnelHead: Buffer) => {
    options.picker.remember(address);
    join(socket, head, answer, tunnel, tunnelHead);
  });
  upstream.on('response', (answer: IncomingMessage) => relayRefusal(socket, answer));
  upstream.on('error', (error: Error) => {
    if (isRetryableConnectError(error) && index + 1 < candidates.length && !socket.destroyed) {
      return connect(req, socket, head, options, index + 1);
    }
    options.logger.warn(
      `dev server ${options.url.origin}: WebSocket ${req.url ?? ''} failed: ${describe(error)}`,
    );
    writeSocketAnswer(
      socket,
      502,
      `The dev server at ${options.url.origin} did not accept the WebSocket (${describe(error)}).`,
    );
  });
  upstream.end();
}

function sendHandshake(req: IncomingMessage, url: URL, address: string) {
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return send({
    host: address,
    port: url.port || (url.protocol === 'https:' ? 443 : 80),
    method: req.method,
    path: url.pathname.replace(/\/+$/, '') + (req.url ?? '/'),
    headers: copyHeaders(req, url.host),
    agent: false,
    rejectUnauthorized: false,
    servername: /^[\d.]+$|:/.test(url.hostname) ? undefined : url.hostname,
  });
}

/** The client's handshake headers with the dev server's `Host`, in the client's order and spelling. */
function copyHeaders(req: IncomingMessage, host: string): string[] {
  const out: string[] = ['Host', host];
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] ?? '';
    if (!DROPPED.has(name.toLowerCase())) {
      out.push(name, raw[i + 1] ?? '');
    }
  }
  return out;
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

function describe(error: Error): string {
  return 'code' in error && typeof error.code === 'string' ? error.code : error.message;
}
