/**
 * An `https://` URL to a plain HTTP port, or an `http://` URL to a TLS port: not a failure that passes
 * when tried again (exit 1, not 75), and one the user fixes by changing the URL's scheme.
 */
import { connect } from 'node:tls';
import { PorticoError } from '../shared/errors.js';
import { isRecord } from '../shared/guards.js';

/** How long the check that a port speaks TLS may take. */
const TLS_PROBE_TIMEOUT_MS = 2000;

/**
 * The error to report when the request to `url` failed with `cause` because the server speaks the other
 * protocol, or `undefined` when that is not (or cannot be shown to be) why.
 */
export async function findProtocolMismatch(
  cause: unknown,
  url: URL,
  base: string,
): Promise<PorticoError | undefined> {
  if (url.protocol === 'https:' && isPlainHttpAnswer(cause)) {
    return new PorticoError(
      'CLIENT_PROTOCOL_MISMATCH',
      `The server at ${base} did not answer with TLS: that port serves plain HTTP. Try ${base.replace(/^https:/i, 'http:')} in --url or PORTICO_URL.`,
      { cause },
    );
  }
  if (url.protocol === 'http:' && isHangUp(cause) && (await speaksTls(url))) {
    return new PorticoError(
      'CLIENT_PROTOCOL_MISMATCH',
      `The server at ${base} answers with TLS on that port, not plain HTTP. Try ${base.replace(/^http:/i, 'https:')} in --url or PORTICO_URL.`,
      { cause },
    );
  }
  return undefined;
}

/** OpenSSL's "wrong version number": the first bytes back were not a TLS record (an HTTP answer). */
function isPlainHttpAnswer(cause: unknown): boolean {
  return (
    isRecord(cause) &&
    (cause.code === 'ERR_SSL_WRONG_VERSION_NUMBER' ||
      (cause.code === 'EPROTO' && /wrong version number|packet length too long/i.test(String(cause.message))))
  );
}

/** The connection closed before any answer: what a TLS server does with plain HTTP (Node.js's does). */
function isHangUp(cause: unknown): boolean {
  return isRecord(cause) && (cause.code === 'ECONNRESET' || cause.code === 'EPIPE');
}

/** Whether `url`'s host and port complete a TLS handshake (any certificate: only the protocol matters). */
function speaksTls(url: URL): Promise<boolean> {
  const port = Number(url.port === '' ? 80 : url.port);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  return new Promise((resolve) => {
    const socket = connect({ host, port, rejectUnauthorized: false, timeout: TLS_PROBE_TIMEOUT_MS });
    const end = (speaks: boolean) => {
      socket.destroy();
      resolve(speaks);
    };
    socket.once('secureConnect', () => end(true));
    socket.once('error', () => end(false));
    socket.once('timeout', () => end(false));
  });
}
