/**
 * Raw HTTP/1.1 over a socket, for requests no client library would send as written (a raw `\` in the
 * path, a body that stops before its Content-Length): the bytes go out unchanged, and the whole answer
 * comes back once the server closes the connection.
 */
import { connect } from 'node:net';

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
    const socket = connect(Number(port), '127.0.0.1', () => {
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
