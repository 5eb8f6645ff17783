/**
 * Public types of the `/api` reverse proxy. The proxy works on `node:http` request and response objects
 * directly: it is on the data-plane hot path (HOUSE-STYLE §2, hot-path exception).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Dispatcher } from 'undici';
import type { Logger } from '../../shared/logger.js';

/** Where and how one request is forwarded; built by the edge after routing and auth. */
export interface ProxyTarget {
  /** Raw path and query sent upstream, already rewritten, encoding kept as given: `/api/echo?q=1`. */
  readonly pathAndQuery: string;
  /** The absolute URL the client asked for, before any rewrite: `http://host:4280/old-api?q=1`. */
  readonly originalUrl: string;
  /** Sent as `x-ms-request-id`; see {@link createRequestId}. */
  readonly requestId: string;
  /** Base64 JSON for `x-ms-client-principal`; only for a signed-in user (CONTRACT §3). */
  readonly principalHeader?: string;
  /** Sent as `x-forwarded-host`: the host the client used (after the forwardingGateway check). */
  readonly forwardedHost: string;
  /** Sent as `x-forwarded-proto`. */
  readonly forwardedProto: 'http' | 'https';
  /**
   * More fields set by the host after the client's (a linked backend's token and subscription key), as
   * undici's flat `[name, value, …]` list with lower-case names; a client header of the same name is dropped.
   * The proxy remembers the names of a list it was given (a host reuses one per token), so a list must not
   * change once handed over.
   */
  readonly extraHeaders?: readonly string[];
}

/**
 * How requests reach the backend: undici's dispatch contract (an undici `Pool` is one), so another
 * transport is driven exactly as HTTP is, with the same handler, timeouts and error mapping.
 */
export interface UpstreamDispatcher {
  dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean;
  destroy(): Promise<void>;
}

/** Options of {@link createApiProxy}. */
export interface ApiProxyOptions {
  /** The backend origin, e.g. `http://127.0.0.1:7071`. A path in it is used as a prefix. */
  readonly upstreamUrl: string;
  /**
   * A Unix socket to connect to instead of the upstream URL's host and port (a managed functions host of
   * this process, decision 0033); the URL still gives the `Host` header and the path prefix.
   */
  readonly upstreamSocketPath?: string;
  /** Limit for the whole exchange, in milliseconds (D10). Default 45 000. */
  readonly timeoutMs?: number;
  /**
   * How long the client may send nothing of a request body it has not finished, in milliseconds, before
   * the call ends with 408 (decision 0118). Default 20 000; an API timeout under it stands in for it.
   */
  readonly clientBodyIdleMs?: number;
  /** Largest request body accepted, in bytes. Default 30 MiB (spec §12 check 59). */
  readonly maxBodyBytes?: number;
  /** Receives backend failures and timeouts; silent by default. */
  readonly logger?: Logger;
  /** `Host` sent upstream instead of the upstream URL's (to reach a host served by the same listener). */
  readonly hostHeader?: string;
  /**
   * Send the site's own host (the one the client asked for, also in `x-forwarded-host`) as `Host`: what a
   * managed function sees, as behind Azure's front end, instead of the worker's internal address.
   */
  readonly keepSiteHost?: boolean;
  /**
   * What to do when the backend cannot be reached, appended to the public 502 (`Start it or check
   * --api-devserver-url.`). Public bodies never name the backend's address; the log line does.
   */
  readonly unreachableHint?: string;
  /**
   * Why the backend can stop in the middle of an exchange, in the public 502 of a cut connection, worded
   * for the mode (`it crashed, was stopped for hanging, or restarted after an edit` under `portico start`); a neutral reason when
   * absent.
   */
  readonly cutReason?: string;
  /**
   * Why the backend stopped, as its host knows it (`the API worker was killed after failing 2 health checks
   * in a row: …`), added to the log line of a request it failed; the public body says {@link cutReason}.
   */
  readonly stopCause?: () => string | undefined;
  /**
   * Resolves once the backend can take requests (a managed functions worker that is ready). Each request
   * waits on it, within the API timeout, before it is sent; a request without a body that finds the
   * backend's port closed (a worker that just crashed) waits on it again and is sent once more. Rejecting
   * answers at once with the rejection (a {@link PorticoError} whose message is public).
   */
  readonly whenUpstreamReady?: () => Promise<void>;
  /**
   * The backend's own transport for proxied requests instead of HTTP (a managed functions host's frames,
   * decision 0036); closed with the proxy. {@link ApiProxy.call} still uses HTTP.
   */
  readonly dispatcher?: UpstreamDispatcher | undefined;
}

/** A pooled, keep-alive reverse proxy to one `/api` backend. */
export interface ApiProxy {
  /** The limit of one request, in milliseconds (`--api-timeout`): no {@link call} waits longer. */
  readonly timeoutMs: number;
  /**
   * Forwards one request and streams the answer back. Never rejects: every failure becomes a response
   * (413, 500 `Backend call failure`, 502) or, once the response has started, a destroyed response.
   */
  forward(req: IncomingMessage, res: ServerResponse, target: ProxyTarget): Promise<void>;
  /**
   * One request of the host's own (the roles function after sign-in), not a client's: the answer comes
   * back whole. Rejects when the backend cannot be reached, or with `PROXY_BACKEND_TIMEOUT` when the
   * whole answer has not arrived within the request's `timeoutMs` (the request is then cancelled).
   */
  call(request: InternalApiRequest): Promise<InternalApiResponse>;
  /**
   * Refuses new requests and closes the upstream connections once the requests in flight have finished,
   * waiting at most `graceMs` (default 0) for them; those still running then are cut.
   */
  close(graceMs?: number): Promise<void>;
}

/** A request the host makes to its own API. */
export interface InternalApiRequest {
  readonly method: 'GET' | 'POST';
  /** Path and query under the upstream URL, e.g. `/api/GetRoles`. */
  readonly pathAndQuery: string;
  /** Lower-case names. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
  /**
   * The most the whole answer may take once the request is sent, head and body, in milliseconds; never
   * more than the API timeout, which is the default. A backend that trickles its answer is cut there too.
   */
  readonly timeoutMs?: number;
}

/** The whole answer to an {@link InternalApiRequest} (bodies over 1 MiB are refused). */
export interface InternalApiResponse {
  readonly status: number;
  readonly body: string;
}
