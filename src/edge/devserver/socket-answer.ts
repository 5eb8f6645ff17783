/** A complete plain-text HTTP answer written on a raw socket (an upgrade that is refused or failed). */
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';

/** How long a refused socket may stay half-open before it is destroyed. */
const LINGER_MS = 2_000;

/**
 * Writes `status` with a text body and ends the connection. Never throws; a socket already gone is left
 * alone.
 */
export function writeSocketAnswer(socket: Duplex, status: number, text: string): void {
  socket.on('error', () => socket.destroy());
  if (socket.destroyed || !socket.writable) {
    socket.destroy();
    return;
  }
  const body = `${text}\n`;
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\n` +
      'Content-Type: text/plain; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      'Connection: close\r\n\r\n' +
      body,
  );
  const timer = setTimeout(() => socket.destroy(), LINGER_MS).unref();
  socket.once('close', () => clearTimeout(timer));
}
