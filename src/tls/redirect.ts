/**
 * Plain HTTP when HTTPS is on: ACME HTTP-01 challenges are answered here (they must be, over port 80),
 * everything else of a site answers 301 to the same path and query over HTTPS.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** The path prefix of ACME HTTP-01 challenges (RFC 8555 §8.3). */
export const ACME_CHALLENGE_PREFIX = '/.well-known/acme-challenge/';

/** True for a request to an ACME HTTP-01 challenge URL. */
export function isAcmeChallenge(url: string | undefined): boolean {
  return (url ?? '').startsWith(ACME_CHALLENGE_PREFIX);
}

/** Answers a challenge: the key authorization for a known token, 404 otherwise. */
export function answerAcmeChallenge(
  req: IncomingMessage,
  res: ServerResponse,
  keyAuthorization: (token: string) => string | undefined,
): void {
  const token = (req.url ?? '').slice(ACME_CHALLENGE_PREFIX.length).split('?')[0] ?? '';
  const answer = keyAuthorization(token);
  res.writeHead(answer === undefined ? 404 : 200, { 'content-type': 'text/plain; charset=utf-8' });
  res.end(answer ?? 'No such ACME challenge.\n');
}

/** Where {@link redirectToHttps} sends a request. */
export interface HttpsTarget {
  /** The request's host name (lower case, no port): one the service serves, checked by the caller. */
  readonly hostname: string;
  /** The HTTPS listener's public port (443 is left out of the URL). */
  readonly port: number;
  /**
   * The path and query of the parsed request target (`/a/b?x=1`), never the raw `req.url`: an
   * absolute-form target (`GET https://host/x`) would otherwise be appended to the host.
   */
  readonly pathAndQuery: string;
}

/** 301 to `https://<hostname>[:port]<path and query>`. */
export function redirectToHttps(res: ServerResponse, target: HttpsTarget): void {
  const port = target.port === 443 ? '' : `:${target.port}`;
  const location = `https://${target.hostname}${port}${target.pathAndQuery}`;
  res.writeHead(301, { location, 'content-type': 'text/plain; charset=utf-8', 'content-length': 0 });
  res.end();
}
