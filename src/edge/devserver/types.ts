/**
 * Public types of the dev-server content source: in dev-server mode (`portico start <url>`), everything
 * that is not `/.auth` or `/api` is fetched from the framework's own dev server (Vite, Angular, Next.js,
 * webpack), and the config's rules apply to its answers as they do to files.
 */
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex, Readable } from 'node:stream';
import type { Logger } from '../../shared/logger.js';

/** Options of {@link createDevServerSource}. */
export interface DevServerSourceOptions {
  /** The dev server's URL as the developer gave it, e.g. `http://localhost:5173`. */
  readonly url: string;
  /** Receives failures of the dev server (unreachable, broken streams, refused upgrades). */
  readonly logger?: Logger;
  /**
   * True for a `Host` header that names Portico itself: one the Host check answers by name (localhost, IP
   * addresses, `--host`, `--allowed-host` names; never by `all`). Only such a request's `Origin` may be
   * taken for Portico's own and sent as the dev server's (decision 0093). Default: none is, so every
   * `Origin` passes unchanged.
   */
  readonly isOwnHost?: (host: string | undefined) => boolean;
}

/** One request to the dev server. */
export interface DevServerRequest {
  /** Path and query, percent-encoded: `/src/main.ts?t=1`. */
  readonly pathAndQuery: string;
  readonly method: string;
  /** undici's flat `[name, value, …]` header list (lower-case names), `host` included. */
  readonly headers: string[];
  /** The request body, or null. */
  readonly body: Readable | null;
}

/** The dev server's answer: status and headers, with the body still to be relayed or discarded. */
export interface DevServerAnswer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  /**
   * Writes the body to `res` (whose head the caller has written) and ends it; resolves when done, or when
   * either side failed (then `res` is destroyed). Call this or {@link DevServerAnswer.discard}, once.
   */
  relay(res: ServerResponse): Promise<void>;
  /** Reads the body to its end and drops it, keeping the connection usable. */
  discard(): Promise<void>;
}

/** The framework's dev server as a content source of the edge. */
export interface DevServerSource {
  /** The URL as the developer gave it (named in error pages). */
  readonly url: string;
  /** `host[:port]` of the dev server, sent as `Host` so its host checks (Vite's `allowedHosts`) pass. */
  readonly host: string;
  /** The dev server's origin (`http://localhost:5173`), sent as `Origin` for Portico's own (decision 0093). */
  readonly origin: string;
  /** {@link DevServerSourceOptions.isOwnHost}: may this request's `Origin` be taken for Portico's own? */
  isOwnHost(host: string | undefined): boolean;
  /** Sends one request; rejects when the dev server cannot be reached or breaks the exchange. */
  fetch(request: DevServerRequest): Promise<DevServerAnswer>;
  /** True when the dev server answers HTTP at all (any status); for readiness checks. */
  probe(): Promise<boolean>;
  /**
   * Carries a WebSocket (or other) upgrade to the dev server with `headers` (the full handshake list,
   * `host` included, as the edge builds it for HTTP requests too), piping both ways once it switches.
   */
  carryUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, headers: readonly string[]): void;
  /** Closes pooled connections and every carried upgrade. */
  close(): Promise<void>;
}
