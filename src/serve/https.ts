/**
 * The production edge of `portico serve`: the `--https-port` listener (certificates by SNI: custom
 * domains' own, else the service certificate of `--tls-cert`/`--tls-key`) and what the plain `--port`
 * listener does for sites when HTTPS is on (ACME challenges answered, everything else 301 to HTTPS).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { SecureContext } from 'node:tls';
import { createSecureEdgeServer } from '../edge/index.js';
import { isHttpsRequest } from '../shared/forwarded.js';
import { errorMessage } from '../shared/guards.js';
import type { Logger } from '../shared/logger.js';
import {
  answerAcmeChallenge,
  createSniCallback,
  isAcmeChallenge,
  loadServiceCertificate,
  redirectToHttps,
  type ServiceCertificate,
} from '../tls/index.js';
import type { AcmeOptions } from './certificates.js';

/** The HTTPS options of `portico serve`. */
export interface HttpsOptions {
  readonly port: number;
  /** The service certificate's files (`*.<domain>`); both or neither. */
  readonly certFile?: string;
  readonly keyFile?: string;
  /** The service's domain, which the service certificate should cover (`*.<domain>`). */
  readonly domain?: string;
  /** Certificates for custom domains by ACME (always on with HTTPS; Let's Encrypt by default). */
  readonly acme?: AcmeOptions;
}

/** The HTTPS listener and the service certificate it watches. */
export interface HttpsEdge {
  readonly server: HttpsServer;
  close(): void;
}

/** Creates (but does not start) the HTTPS listener around the data plane's handler. */
export function createHttpsEdge(
  options: HttpsOptions,
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  forHost: (hostname: string) => SecureContext | undefined,
  logger: Logger,
): HttpsEdge {
  const certificate: ServiceCertificate | undefined =
    options.certFile === undefined || options.keyFile === undefined
      ? undefined
      : loadServiceCertificate(
          {
            certFile: options.certFile,
            keyFile: options.keyFile,
            ...(options.domain === undefined ? {} : { domain: options.domain }),
          },
          logger,
        );
  // A client that names no host (no SNI) gets the service certificate: the server's own pair, replaced
  // when the files change.
  const first = certificate?.pair();
  const server = createSecureEdgeServer(handler, {
    ...(first === undefined ? {} : { cert: first.cert, key: first.key }),
    SNICallback: createSniCallback({
      ...(certificate === undefined ? {} : { service: () => certificate.pair().context }),
      forHost,
    }),
  });
  certificate?.onReload(({ cert, key }) => server.setSecureContext({ cert, key, minVersion: 'TLSv1.2' }));
  return { server, close: () => certificate?.close() };
}

/**
 * What the plain listener does with a request for a site before the edge sees it: answers ACME
 * challenges (`keyAuthorization` looks the token up) and, with HTTPS on, redirects the rest (never the
 * challenges) for the hosts the HTTPS listener has a certificate for. Returns true when it answered.
 */
export function createPlainHttpStep(options: {
  readonly httpsPort?: () => number;
  /** Whether HTTPS can answer for `hostname` (default: every host); the others stay on plain HTTP. */
  readonly hasCertificate?: (hostname: string) => boolean;
  /** Looks an ACME challenge token up; absent when ACME is off (the path is then the site's). */
  readonly keyAuthorization?: (token: string) => Promise<string | undefined>;
  readonly logger: Logger;
}): (hostname: string, req: IncomingMessage, res: ServerResponse) => boolean {
  return (hostname, req, res) => {
    const keyAuthorization = options.keyAuthorization;
    if (keyAuthorization !== undefined && isAcmeChallenge(req.url)) {
      void answerChallenge(req, res, { keyAuthorization, logger: options.logger });
      return true;
    }
    if (
      options.httpsPort === undefined ||
      isAcmeChallenge(req.url) ||
      isHttpsRequest(req) ||
      options.hasCertificate?.(hostname) === false
    ) {
      return false;
    }
    redirectToHttps(hostname, req, res, options.httpsPort());
    return true;
  };
}

async function answerChallenge(
  req: IncomingMessage,
  res: ServerResponse,
  options: {
    readonly keyAuthorization: (token: string) => Promise<string | undefined>;
    readonly logger: Logger;
  },
): Promise<void> {
  const token = (req.url ?? '').split('/').at(-1)?.split('?')[0] ?? '';
  try {
    const answer = await options.keyAuthorization(token);
    answerAcmeChallenge(req, res, () => answer);
  } catch (error) {
    options.logger.warn(`cannot answer an ACME challenge: ${errorMessage(error)}`);
    res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8' });
    res.end('The challenge cannot be read now; try again.\n');
  }
}
