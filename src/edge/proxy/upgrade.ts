/**
 * Refusal of HTTP upgrades (D11, spec §3.2 item 4): Static Web Apps APIs are HTTP only. The emulator lets
 * a WebSocket handshake hang; Portico answers at once and closes the connection.
 */
import type { Duplex } from 'node:stream';
import { UPGRADE_REFUSED_TEXT } from './_replies.js';

/** How long a refused socket may stay half-open before it is destroyed. */
const LINGER_MS = 2_000;

/** A complete HTTP answer to an upgrade request: status line, content type and body. */
export interface UpgradeRefusal {
  readonly status: string;
  readonly contentType: string;
  readonly body: string;
}

/** The Static Web Apps refusal (site hosts). */
const SITE_REFUSAL: UpgradeRefusal = {
  status: '501 Not Implemented',
  contentType: 'text/plain; charset=utf-8',
  body: `${UPGRADE_REFUSED_TEXT}\n`,
};

/**
 * Answers an upgrade request on its raw socket with a complete answer (by default Static Web Apps'
 * `501 Not Implemented`) and ends the connection. Never throws; a socket already gone is left alone.
 *
 * @example
 * server.on('upgrade', (_req, socket) => refuseUpgrade(socket));
 */
export function refuseUpgrade(socket: Duplex, refusal: UpgradeRefusal = SITE_REFUSAL): void {
  socket.on('error', ignoreError);
  if (socket.destroyed || !socket.writable) {
    socket.destroy();
    return;
  }
  socket.end(
    `HTTP/1.1 ${refusal.status}\r\n` +
      `Content-Type: ${refusal.contentType}\r\n` +
      `Content-Length: ${Buffer.byteLength(refusal.body)}\r\n` +
      'Connection: close\r\n' +
      '\r\n' +
      refusal.body,
  );
  // The peer normally closes its side on reading `Connection: close`; a peer that does not is cut off.
  const timer = setTimeout(() => socket.destroy(), LINGER_MS).unref();
  socket.once('close', () => clearTimeout(timer));
}

function ignoreError(): void {}
