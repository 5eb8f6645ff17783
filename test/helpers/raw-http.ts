/**
 * Raw HTTP/1.1 exchanges for protocol tests: bytes written exactly as given (no client library fixes a
 * request line, a `Host` or a framing), and everything the server sends until it closes the connection.
 */
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';

/** Options of {@link exchangeRaw}. */
export interface RawOptions {
  /** Speak TLS (any certificate accepted) and send this name by SNI. */
  readonly servername?: string;
}

/**
 * Opens a connection to 127.0.0.1:`port`, writes `bytes` at once, and resolves with all the server sent
 * (latin1) once the connection is closed, whichever side closed it; a reset ends it the same way.
 */
export function exchangeRaw(port: number, bytes: string, options: RawOptions = {}): Promise<string> {
  return new Promise((resolve) => {
    const write = () => socket.write(bytes);
    const socket: Socket =
      options.servername === undefined
        ? netConnect({ host: '127.0.0.1', port }, write)
        : tlsConnect(
            { host: '127.0.0.1', port, servername: options.servername, rejectUnauthorized: false },
            write,
          );
    let text = '';
    socket.on('data', (chunk: Buffer) => {
      text += chunk.toString('latin1');
    });
    socket.on('error', () => undefined);
    socket.on('close', () => resolve(text));
  });
}

/** The status lines of every response in `text` (`HTTP/1.1 200 OK`…), in order. */
export function statusLines(text: string): string[] {
  return [...text.matchAll(/(?:^|\r\n)(HTTP\/1\.[01] \d{3}[^\r\n]*)/g)].map((match) => match[1] ?? '');
}

/** The body of the first response in `text` (what follows its blank line), its chunked framing undone. */
export function firstBody(text: string): string {
  const start = text.indexOf('\r\n\r\n');
  if (start === -1) {
    return '';
  }
  const body = text.slice(start + 4);
  return /\r\ntransfer-encoding: chunked\r\n/i.test(text.slice(0, start + 2)) ? dechunk(body) : body;
}

/** The data of a chunked body (extensions and trailers dropped). */
function dechunk(body: string): string {
  let data = '';
  let at = 0;
  for (;;) {
    const lineEnd = body.indexOf('\r\n', at);
    const size = Number.parseInt(body.slice(at, lineEnd), 16);
    if (lineEnd === -1 || !(size > 0)) {
      return data;
    }
    data += body.slice(lineEnd + 2, lineEnd + 2 + size);
    at = lineEnd + 2 + size + 2;
  }
}
