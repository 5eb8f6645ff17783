/**
 * The production edge of `portico serve`: the `--https-port` listener (certificates by SNI: custom
 * domains' own, else the service certificate of `--tls-cert`/`--tls-key`) and what the plain `--port`
 * listener does for sites when HTTPS is on (ACME challenges answered, everything else 301 to HTTPS).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { SecureContext } from 'node:tls';
import { createSecureEdgeServer, isAuthority, parseRequestTarget } from '../edge/index.js';
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
  /** True when the service certificate (`--tls-cert`) covers `hostname`; false without one. */
  covers(hostname: string): boolean;
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
  return {
    server,
    covers: (hostname) => certificate?.covers(hostname) === true,
    close: () => certificate?.close(),
  };
}

/**
 * What the plain listener does with a request for a site before the edge sees it: answers ACME
 * challenges (`keyAuthorization` looks the token up) and, with HTTPS on, redirects the rest (never the
 * challenges) of the hosts the service serves and the HTTPS listener has a certificate for. A request
 * whose Host is no valid authority answers 400; one for a host nothing serves, or that has no
 * certificate, is left to the edge (its usual 404, or the site over plain HTTP). Returns true when it
 * answered.
 */
export function createPlainHttpStep(options: {
  readonly httpsPort?: () => number;
  /** Whether a site (or the identity host) is served at `host` (the `Host` field as sent). */
  readonly serves?: (host: string, hostname: string) => boolean;
  /** Whether HTTPS has a certificate covering `hostname` (default: every host); the others stay on plain HTTP. */
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
    if (options.httpsPort === undefined || isAcmeChallenge(req.url) || isHttpsRequest(req)) {
      return false;
    }
    return redirectServed(hostname, req, res, { ...options, httpsPort: options.httpsPort });
  };
}

/** The redirect of {@link createPlainHttpStep}, for a request that is neither a challenge nor over HTTPS. */
function redirectServed(
  hostname: string,
  req: IncomingMessage,
  res: ServerResponse,
  options: {
    readonly httpsPort: () => number;
    readonly serves?: (host: string, hostname: string) => boolean;
    readonly hasCertificate?: (hostname: string) => boolean;
  },
): boolean {
  const host = req.headers.host;
  if (host !== undefined && !isAuthority(host)) {
    // Never echoed into a Location: `a.example:80@evil.example` would send the browser to evil.example.
    sendBadRequest(res, 'the Host field is not a host name with an optional port');
    return true;
  }
  if (
    host === undefined ||
    options.serves?.(host, hostname) === false ||
    options.hasCertificate?.(hostname) === false
  ) {
    return false;
  }
  const target = parseRequestTarget(req.url);
  if (!target.ok) {
    sendBadRequest(res, target.reason);
    return true;
  }
  redirectToHttps(res, {
    hostname,
    port: options.httpsPort(),
    pathAndQuery: `${target.rawPath}${target.search}`,
  });
  return true;
}

function sendBadRequest(res: ServerResponse, reason: string): void {
  res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8' });
  res.end(`Bad request: ${reason}.\n`);
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
