/**
 * Refusal of HTTP upgrades (D11, spec §3.2 item 4): Static Web Apps APIs are HTTP only. The emulator lets
 * a WebSocket handshake hang; Portico answers at once and closes the connection.
 */
import type { Duplex } from 'node:stream';
import { UPGRADE_REFUSED_TEXT } from './_replies.js';

/** How long a refused socket may stay half-open before it is destroyed. */
const LINGER_MS = 2_000;

const BODY = `${UPGRADE_REFUSED_TEXT}\n`;

const RESPONSE =
  'HTTP/1.1 501 Not Implemented\r\n' +
  'Content-Type: text/plain; charset=utf-8\r\n' +
  `Content-Length: ${Buffer.byteLength(BODY)}\r\n` +
  'Connection: close\r\n' +
  '\r\n' +
  BODY;

/**
 * Answers an upgrade request on its raw socket with a complete `501 Not Implemented` and ends the
 * connection. Never throws; a socket already gone is left alone.
 *
 * @example
 * server.on('upgrade', (_req, socket) => refuseUpgrade(socket));
 */
export function refuseUpgrade(socket: Duplex): void {
  socket.on('error', ignoreError);
  if (socket.destroyed || !socket.writable) {
    socket.destroy();
    return;
  }
  socket.end(RESPONSE);
  // The peer normally closes its side on reading `Connection: close`; a peer that does not is cut off.
  const timer = setTimeout(() => socket.destroy(), LINGER_MS).unref();
  socket.once('close', () => clearTimeout(timer));
}

function ignoreError(): void {}
