/**
 * What the dev server is sent with each request, plain HTTP and upgrades (hot reload) alike: the header
 * rules of the `/api` proxy (CONTRACT §3: a client's `x-ms-client-principal` and forwarded fields removed,
 * the signed-in principal, `x-ms-original-url` and `x-forwarded-*` added), the dev server's own `Host`,
 * and, for a request whose `Origin` is Portico's own, the dev server's origin instead (decision 0093):
 * the dev server then sees the same-origin request it would get without Portico in front (Next.js 16
 * refuses its hot-reload socket to any other origin).
 *
 * "Portico's own" is built from the request's Host, so a page at a rebound name (`http://evil.test:4280`,
 * DNS rebinding) would match its own Origin too: the rewrite is made only when the source's `isOwnHost`
 * says the Host is one the Host check answers by name. The check refuses a browser's request for any
 * other Host before it gets here; with `--allowed-host all` it lets it through, and then the dev server
 * sees the page's real Origin and its own defences decide.
 */
import type { IncomingMessage } from 'node:http';
import { encodePrincipalHeader } from './auth/index.js';
import type { DevServerSource } from './devserver/index.js';
import { createRequestId, createUpstreamHeaders } from './proxy/index.js';
import type { ClientPrincipal } from './types.js';

/** What Portico knows of one request's hop from the client, for the dev server's headers. */
export interface DevServerHop {
  /** Portico's origin as the client reached it (`http://127.0.0.1:4280`). */
  readonly origin: string;
  readonly host: string;
  readonly proto: 'http' | 'https';
  /** Path and query as the client sent them, for `x-ms-original-url`. */
  readonly pathAndQuery: string;
  readonly principal: ClientPrincipal | null;
}

/** The header list (undici's flat form, lower-case names) for one request to the dev server. */
export function createDevServerHeaders(
  req: IncomingMessage,
  hop: DevServerHop,
  devServer: Pick<DevServerSource, 'host' | 'origin' | 'isOwnHost'>,
): string[] {
  const headers = createUpstreamHeaders(
    req,
    {
      pathAndQuery: '',
      originalUrl: hop.origin + hop.pathAndQuery,
      requestId: createRequestId(),
      principalHeader: hop.principal === null ? undefined : encodePrincipalHeader(hop.principal),
      forwardedHost: hop.host,
      forwardedProto: hop.proto,
    },
    devServer.host,
  );
  if (!devServer.isOwnHost(req.headers.host)) {
    return headers;
  }
  for (let i = 0; i < headers.length; i += 2) {
    if (headers[i] === 'origin' && isSameOrigin(headers[i + 1] ?? '', hop.origin)) {
      headers[i + 1] = devServer.origin;
    }
  }
  return headers;
}

/**
 * The same for an upgrade's handshake, which also needs the two fields the `/api` rules drop as
 * hop-by-hop (`Connection`, `Upgrade`): they name the protocol the next hop is asked to switch to.
 */
export function createDevServerUpgradeHeaders(
  req: IncomingMessage,
  hop: DevServerHop,
  devServer: Pick<DevServerSource, 'host' | 'origin' | 'isOwnHost'>,
): string[] {
  const headers = createDevServerHeaders(req, hop, devServer);
  headers.push('connection', 'Upgrade', 'upgrade', req.headers.upgrade ?? 'websocket');
  return headers;
}

/** True when the `Origin` value names `origin` (scheme, host and port; case and default ports aside). */
function isSameOrigin(value: string, origin: string): boolean {
  try {
    return new URL(value).origin === new URL(origin).origin;
  } catch {
    // `Origin: null` (a sandboxed frame, a file: page) names no origin.
    return false;
  }
}
