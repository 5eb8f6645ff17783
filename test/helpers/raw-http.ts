/**
 * Raw HTTP/1.1 exchanges for protocol tests: bytes written exactly as given (no client library fixes a
 * request line, a `Host`, a raw `\` in the path or a framing, or completes a body that stops before its
 * Content-Length), and everything the server sends until it closes the connection.
 */
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';

/** A parsed raw answer: status, lower-case headers (last wins) and the body as text. */
export interface RawAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/**
 * Writes `request` (request line, headers and any body, `\r\n` line ends) to `url`'s port on 127.0.0.1
 * and resolves with the answer when the server ends the connection. The socket is never ended from this
 * side, so a request whose body is short stays open until the server gives up on it.
 */
export function sendRaw(url: string, request: string): Promise<RawAnswer> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = netConnect(Number(port), '127.0.0.1', () => {
      socket.write(request, 'latin1');
    });
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('close', () => resolve(parseAnswer(Buffer.concat(chunks).toString('latin1'))));
    socket.on('error', reject);
  });
}

/** `GET <path>` with `Host` and `Connection: close`, the path sent exactly as given. */
export function rawGet(url: string, path: string, host = new URL(url).host): Promise<RawAnswer> {
  return sendRaw(url, `GET ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
}

function parseAnswer(text: string): RawAnswer {
  const split = text.indexOf('\r\n\r\n');
  const head = split === -1 ? text : text.slice(0, split);
  const [statusLine = '', ...lines] = head.split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0) {
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
  }
  return {
    status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? 0),
    headers,
    body: split === -1 ? '' : text.slice(split + 4),
  };
}

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
