/**
 * `forward-request`: calls the backend with the request state the policies left, on a keep-alive pool
 * per backend origin, streaming the body both ways (spec/apim.md §2.1). Failures become APIM's 500 with
 * `LastError` reason `Timeout` or `BackendConnectionFailure`; the backend's address is logged, never
 * shown to the caller.
 *
 * The call resolves at the backend's status and headers, with the body held (its first 16 KiB in memory,
 * the rest on the backend connection, `_backend-body.ts`): the outbound policies run, then the body goes
 * straight into the caller's response or is dropped (decisions 0034, 0037).
 */

import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import type { Dispatcher, Pool } from 'undici';
import type { Logger } from '../shared/logger.js';
import { memoize } from '../shared/memo.js';
import { undici } from '../shared/undici.js';
import { BackendExchange } from './_backend-body.js';
import { BackendResponse, HOP_BY_HOP_HEADERS } from './_backend-response.js';
import { type CallTraffic, type ForwardOptions, type GatewayContext, GatewayFailure } from './types.js';

/** Request headers not sent on: those of one hop only, and those undici sets itself. */
const HOP_BY_HOP = new Set([...HOP_BY_HOP_HEADERS, 'host', 'expect', 'content-length']);

/** Forwards calls to backends; one pool per origin, closed with the forwarder. */
export interface Forwarder {
  forward(ctx: GatewayContext, options: ForwardOptions): Promise<void>;
  close(): Promise<void>;
}

/** Appends a request header to the flat list undici takes, unless it describes this hop only. */
function pushUpstream(this: string[], values: string[], name: string): void {
  if (!HOP_BY_HOP.has(name) && name !== 'x-forwarded-for') {
    for (const value of values) {
      this.push(name, value);
    }
  }
}

/** The parts of a backend base URL a call needs: origin and path prefix without trailing slashes. */
interface BackendBase {
  readonly origin: string;
  readonly basePath: string;
}

/** How many parsed base URLs are kept (a few per service; `set-backend-service` may add more). */
const BASES_MAX = 256;

const baseOf = memoize(BASES_MAX, (baseUrl: string): BackendBase => {
  const url = new URL(baseUrl);
  return { origin: url.origin, basePath: url.pathname.replace(/\/+$/, '') };
});

/** The backend's origin and the path (with query) a call asks it for. */
interface BackendTarget {
  readonly origin: string;
  /** Path and query, as `new URL` would serialize them. */
  readonly path: string;
}

/**
 * Paths `new URL` leaves exactly as they are after the base path: a `/`, then only characters it never
 * escapes in a path, and no `.` segment (`/./`, `/../`, or an escaped dot) for it to resolve. Anything
 * else goes through `new URL`.
 */
const PLAIN_PATH = /^\/[A-Za-z0-9\-_~!$&'()*+,;=:@%/.]*$/;
const DOT_SEGMENT = /\/\.|%2e/i;

/**
 * Where a call goes: base URL + path under the API + query. The query is already serialized by
 * `URLSearchParams` (nothing left for `new URL` to escape), so a plain path needs no parse per call.
 */
export function backendTarget(ctx: GatewayContext): BackendTarget {
  const { origin, basePath } = baseOf(ctx.backend.baseUrl);
  const query = ctx.request.query.size === 0 ? '' : ctx.request.query.toString();
  const search = query === '' ? '' : `?${query}`;
  const apiPath = ctx.request.apiPath;
  if (PLAIN_PATH.test(apiPath) && !DOT_SEGMENT.test(apiPath)) {
    return { origin, path: `${basePath}${apiPath}${search}` };
  }
  const url = new URL(`${origin}${basePath}${apiPath}${search}`);
  return { origin: url.origin, path: `${url.pathname}${url.search}` };
}

function upstreamHeaders(ctx: GatewayContext): string[] {
  const out: string[] = [];
  ctx.request.headers.forEach(pushUpstream, out);
  const length = ctx.request.body.headers['content-length'];
  if (length !== undefined && ctx.request.body.headers['transfer-encoding'] === undefined) {
    out.push('content-length', length);
  }
  // The caller's address is appended to what it (or a policy) sent, never replaced by it (decision 0084).
  const prior = ctx.request.headers.get('x-forwarded-for')?.join(', ') ?? '';
  out.push('x-forwarded-for', prior === '' ? ctx.clientIp : `${prior}, ${ctx.clientIp}`);
  if (ctx.request.hostOverride !== undefined) {
    out.push('host', ctx.request.hostOverride);
  }
  return out;
}

function hasBody(ctx: GatewayContext): boolean {
  const headers = ctx.request.body.headers;
  return (
    headers['transfer-encoding'] !== undefined ||
    (headers['content-length'] !== undefined && headers['content-length'] !== '0')
  );
}

/** The request body to send: the caller's stream, counted as it goes when a bandwidth quota asked. */
function bodyOf(ctx: GatewayContext): Readable | null {
  if (!hasBody(ctx)) {
    return null;
  }
  const traffic = ctx.traffic;
  if (traffic === undefined) {
    return ctx.request.body;
  }
  traffic.requestCounted = true;
  return Readable.from(counted(ctx.request.body, traffic), { objectMode: false });
}

async function* counted(body: IncomingMessage, traffic: CallTraffic): AsyncIterable<Buffer> {
  for await (const chunk of body) {
    traffic.requestBytes += (chunk as Buffer).length;
    yield chunk as Buffer;
  }
}

function isTimeout(error: unknown): boolean {
  const code = (error as { code?: string }).code;
  return (
    code === 'UND_ERR_HEADERS_TIMEOUT' ||
    code === 'UND_ERR_BODY_TIMEOUT' ||
    (error as Error).name === 'TimeoutError' ||
    (error as Error).name === 'AbortError'
  );
}

/**
 * One `forward-request` call: the backend's head becomes `ctx.response` (or, with
 * `fail-on-error-status-code`, a failure) in undici's callback, and a call that fails before its head
 * becomes APIM's 500; `head` is then the only promise of the call (decision 0040).
 */
class ForwardExchange extends BackendExchange {
  readonly #ctx: GatewayContext;
  readonly #failOnErrorStatusCode: boolean;
  readonly #origin: string;
  readonly #logger: Logger;

  constructor(ctx: GatewayContext, options: ForwardOptions, origin: string, logger: Logger) {
    super();
    this.#ctx = ctx;
    this.#failOnErrorStatusCode = options.failOnErrorStatusCode;
    this.#origin = origin;
    this.#logger = logger;
  }

  protected override acceptHead(status: number, headers: IncomingHttpHeaders): void {
    this.#ctx.response = new BackendResponse(status, headers, this);
    if (this.#failOnErrorStatusCode && status >= 400) {
      this.discard();
      throw new GatewayFailure(status, 'Internal server error', {
        reason: 'BackendErrorStatusCode',
        source: 'forward-request',
      });
    }
  }

  protected override headError(error: Error): Error {
    const timeout = isTimeout(error);
    this.#logger.warn(
      `gateway ${this.#ctx.call.serviceName}: ${timeout ? 'timeout' : 'failure'} calling ${this.#origin}: ${error.message}`,
    );
    return new GatewayFailure(500, 'Internal server error', {
      reason: timeout ? 'Timeout' : 'BackendConnectionFailure',
      source: 'forward-request',
    });
  }
}

/** Creates the forwarder of a gateway. */
export function createForwarder(logger: Logger): Forwarder {
  const pools = new Map<string, Pool>();
  const poolOf = (origin: string) => {
    let pool = pools.get(origin);
    if (pool === undefined) {
      pool = new (undici().Pool)(origin, { connect: { timeout: 10_000 } });
      pools.set(origin, pool);
    }
    return pool;
  };
  return {
    forward(ctx, options) {
      const target = backendTarget(ctx);
      const exchange = new ForwardExchange(ctx, options, target.origin, logger);
      poolOf(target.origin).dispatch(
        {
          path: target.path,
          method: ctx.request.method as Dispatcher.HttpMethod,
          headers: upstreamHeaders(ctx),
          body: bodyOf(ctx),
          headersTimeout: options.timeoutMs,
          bodyTimeout: options.timeoutMs,
        },
        exchange,
      );
      return exchange.head;
    },
    async close() {
      await Promise.all([...pools.values()].map((pool) => pool.destroy()));
      pools.clear();
    },
  };
}
