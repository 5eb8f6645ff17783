/**
 * The edge's `/api` reverse proxy (spec §3.2, §10.12; CONTRACT §3; D8, D10, D11, D12).
 *
 * Pipeline for one request:
 * 1. refuse at once what must never reach the backend: a WebSocket upgrade (501, D11) or a declared
 *    `Content-Length` over the limit (413, without contacting the backend);
 * 2. forward method, raw path and query, filtered headers and the streamed body on a pooled keep-alive
 *    connection (undici `Pool`);
 * 3. stream status, headers (minus hop-by-hop) and body back unchanged;
 * 4. on failure answer 413 (body over the limit while streaming), 500 `Backend call failure` (timeout,
 *    D10) or 502 with an explanation (D12); once the response has started, destroy it instead.
 */
import { randomFillSync } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Pool } from 'undici';
import { PorticoError } from '../../shared/errors.js';
import { SILENT_LOGGER } from '../../shared/logger.js';
import { readTextCapped } from '../../shared/read-capped.js';
import { undici } from '../../shared/undici.js';
import { type ExchangeSettings, ProxyExchange } from './_exchange.js';
import {
  createBodyTooLargeError,
  createTimeoutError,
  createUnavailableError,
  sendProxyError,
  toProxyError,
  UPGRADE_REFUSED_TEXT,
} from './_replies.js';
import type {
  ApiProxy,
  ApiProxyOptions,
  InternalApiRequest,
  InternalApiResponse,
  ProxyTarget,
  UpstreamDispatcher,
} from './types.js';

/** Azure's per-request limit for `/api` calls (spec §3.2 item 5). */
export const DEFAULT_API_TIMEOUT_MS = 45_000;

/**
 * How long the client may send nothing of an `/api` request body before the call ends with 408 (decision
 * 0118): under the API timeout, so a stalled upload is not reported as a slow backend, and Apache's
 * default (`mod_reqtimeout` body=20); a client on a slow link still sends something within it.
 */
export const DEFAULT_CLIENT_BODY_IDLE_MS = 20_000;

/** Largest request body accepted by default: 30 MiB (spec §12 check 59). */
export const DEFAULT_MAX_BODY_BYTES = 30 * 1024 * 1024;

/**
 * Creates a proxy to one `/api` backend. Nothing connects until the first request.
 *
 * @example
 * const proxy = createApiProxy({ upstreamUrl: 'http://127.0.0.1:7071' });
 * server.on('request', (req, res) => {
 *   void proxy.forward(req, res, {
 *     pathAndQuery: req.url ?? '/',
 *     originalUrl: `http://${req.headers.host}${req.url}`,
 *     requestId: createRequestId(),
 *     forwardedHost: req.headers.host ?? '',
 *     forwardedProto: 'http',
 *   });
 * });
 * server.on('upgrade', (_req, socket) => refuseUpgrade(socket));
 */
export function createApiProxy(options: ApiProxyOptions): ApiProxy {
  const settings = normalizeOptions(options);
  const pool = createPool(settings);
  // The host's own transport when it has one (a managed functions host's frames, decision 0036); the
  // host's own calls (`call`, once per sign-in) stay on HTTP.
  const upstream: UpstreamDispatcher = options.dispatcher ?? pool;
  const inFlight = createInFlightCount();
  let closed = false;
  return {
    timeoutMs: settings.timeoutMs,
    forward(req: IncomingMessage, res: ServerResponse, target: ProxyTarget): Promise<void> {
      const refusal = closed ? createClosedError() : checkProxyRequest(req, settings);
      if (refusal !== undefined) {
        sendProxyError(req, res, refusal);
        return Promise.resolve();
      }
      inFlight.add();
      return new Promise<void>((resolve) => {
        new ProxyExchange(req, res, settings, () => {
          inFlight.remove();
          resolve();
        }).start(upstream, target);
      });
    },
    async call(request: InternalApiRequest): Promise<InternalApiResponse> {
      if (closed) {
        throw createClosedError();
      }
      inFlight.add();
      try {
        await settings.whenUpstreamReady?.();
        return await callLogged(pool, settings, request);
      } finally {
        inFlight.remove();
      }
    },
    async close(graceMs = 0): Promise<void> {
      closed = true;
      await inFlight.settled(graceMs);
      await Promise.all([pool.destroy(), options.dispatcher?.destroy()]);
    },
  };
}

/** How many exchanges of a proxy are under way, and a way to wait, within a limit, for none to be. */
function createInFlightCount() {
  let count = 0;
  let onNone: (() => void) | undefined;
  return {
    add(): void {
      count += 1;
    },
    remove(): void {
      count -= 1;
      if (count === 0) {
        onNone?.();
      }
    },
    /** Resolves once nothing is in flight, or after `limitMs` (at once when nothing is, or no limit). */
    settled(limitMs: number): Promise<void> {
      if (count === 0 || limitMs <= 0) {
        return Promise.resolve();
      }
      return new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, limitMs);
        timer.unref();
        onNone = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    },
  };
}

/** {@link callOnce}, its failure logged with the backend's address and thrown with a public message. */
async function callLogged(
  pool: Pool,
  settings: ExchangeSettings,
  request: InternalApiRequest,
): Promise<InternalApiResponse> {
  try {
    return await callOnce(pool, settings, request);
  } catch (error) {
    // Callers show the message (the sign-in page): it says what failed; the log says where.
    const failure = toProxyError(error, settings.unreachableHint, settings.cutReason);
    settings.logger.warn(
      `/api ${request.method} ${request.pathAndQuery.split('?', 1)[0] ?? ''} (platform call to ${settings.upstreamUrl}): ${failure.message}`,
    );
    throw failure;
  }
}

/**
 * One request of the host's own, answered whole within its limit (the request's `timeoutMs`, at most the
 * API timeout): undici's header and body timers wait on silence only, so a backend trickling its answer
 * a byte at a time would hold the caller (a sign-in) for ever. Past the limit the request is cancelled.
 */
async function callOnce(
  pool: Pool,
  settings: ExchangeSettings,
  request: InternalApiRequest,
): Promise<InternalApiResponse> {
  const limitMs = Math.min(request.timeoutMs ?? settings.timeoutMs, settings.timeoutMs);
  const cancel = new AbortController();
  const timer = setTimeout(() => cancel.abort(createTimeoutError(limitMs)), limitMs);
  try {
    return await requestWhole(pool, settings, request, cancel.signal);
  } catch (error) {
    throw cancel.signal.aborted ? cancel.signal.reason : error;
  } finally {
    clearTimeout(timer);
  }
}

async function requestWhole(
  pool: Pool,
  settings: ExchangeSettings,
  request: InternalApiRequest,
  signal: AbortSignal,
): Promise<InternalApiResponse> {
  const prefix = settings.upstreamUrl.slice(new URL(settings.upstreamUrl).origin.length);
  const answer = await pool.request({
    path: `${prefix}${request.pathAndQuery}`,
    method: request.method,
    headers: {
      ...request.headers,
      ...(settings.hostHeader === undefined ? {} : { host: settings.hostHeader }),
    },
    body: request.body ?? null,
    headersTimeout: settings.timeoutMs,
    bodyTimeout: settings.timeoutMs,
    signal,
  });
  const tooLarge = `The API backend's answer is larger than ${MAX_INTERNAL_BODY_BYTES} bytes.`;
  const body = await readTextCapped(answer.body, MAX_INTERNAL_BODY_BYTES, tooLarge).catch(
    (error: unknown) => {
      throw error instanceof Error && error.message === tooLarge
        ? new PorticoError('PROXY_BACKEND_UNAVAILABLE', tooLarge, { cause: error })
        : error;
    },
  );
  return { status: answer.statusCode, body };
}

/** The largest answer {@link ApiProxy.call} reads. */
const MAX_INTERNAL_BODY_BYTES = 1024 * 1024;

const REQUEST_ID_BYTES = 16;

/** How many request ids one fill of random bytes makes. */
const REQUEST_IDS_PER_FILL = 256;

/**
 * Request ids, made 256 at a time: the random bytes of all of them are drawn and turned into hex in one
 * call each, and an id is then a slice of that text. One id per request is on the hot path, and this costs
 * about a third of hex-encoding 16 pooled bytes per id (itself a quarter of `randomUUID()` plus dash
 * removal). A cache, not shared state: no id is ever handed out twice.
 */
const idPool = { hex: '', offset: 0 };

/** A random request id: 32 lower-case hex characters, sent as `x-ms-request-id`. */
export function createRequestId(): string {
  if (idPool.offset >= idPool.hex.length) {
    idPool.hex = randomFillSync(Buffer.allocUnsafe(REQUEST_ID_BYTES * REQUEST_IDS_PER_FILL)).toString('hex');
    idPool.offset = 0;
  }
  const start = idPool.offset;
  idPool.offset += REQUEST_ID_BYTES * 2;
  return idPool.hex.slice(start, idPool.offset);
}

/** Validates and freezes the options; a bad upstream URL is a programming error, so it throws. */
function normalizeOptions(options: ApiProxyOptions): ExchangeSettings {
  const url = new URL(options.upstreamUrl);
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TypeError(`upstreamUrl must be an http(s) URL, got ${options.upstreamUrl}`);
  }
  return Object.freeze({
    upstreamUrl: url.origin + url.pathname.replace(/\/+$/, ''),
    ...(options.upstreamSocketPath === undefined ? {} : { upstreamSocketPath: options.upstreamSocketPath }),
    basePath: url.pathname.replace(/\/+$/, ''),
    timeoutMs: positiveOr(options.timeoutMs, DEFAULT_API_TIMEOUT_MS),
    clientBodyIdleMs: positiveOr(options.clientBodyIdleMs, DEFAULT_CLIENT_BODY_IDLE_MS),
    maxBodyBytes: positiveOr(options.maxBodyBytes, DEFAULT_MAX_BODY_BYTES),
    logger: options.logger ?? SILENT_LOGGER,
    ...(options.hostHeader === undefined ? {} : { hostHeader: options.hostHeader }),
    ...(options.keepSiteHost === true ? { keepSiteHost: true } : {}),
    ...(options.unreachableHint === undefined ? {} : { unreachableHint: options.unreachableHint }),
    ...(options.cutReason === undefined ? {} : { cutReason: options.cutReason }),
    ...(options.stopCause === undefined ? {} : { stopCause: options.stopCause }),
    ...(options.whenUpstreamReady === undefined ? {} : { whenUpstreamReady: options.whenUpstreamReady }),
  });
}

/**
 * One keep-alive pool to the backend, with no connection cap (the front server's concurrency is the cap),
 * over the Unix socket when one is given. undici's own header and body timers are a backstop only: the
 * exchange timer answers first (D10).
 */
function createPool(settings: ExchangeSettings): Pool {
  const { Pool } = undici();
  const timeout = Math.min(10_000, settings.timeoutMs);
  const socketPath = settings.upstreamSocketPath;
  return new Pool(new URL(settings.upstreamUrl).origin, {
    headersTimeout: settings.timeoutMs + 1_000,
    bodyTimeout: settings.timeoutMs + 1_000,
    connect: socketPath === undefined ? { timeout } : { timeout, socketPath },
  });
}

/**
 * The error for a request refused before contacting the backend, if any (also used by the in-process
 * entry of a linked gateway, so both refuse alike).
 */
export function checkProxyRequest(
  req: IncomingMessage,
  settings: Pick<ExchangeSettings, 'maxBodyBytes'>,
): PorticoError | undefined {
  if (isWebSocketUpgrade(req)) {
    return new PorticoError('EDGE_UPGRADE_REFUSED', UPGRADE_REFUSED_TEXT);
  }
  const length = req.headers['content-length'];
  if (length !== undefined && Number(length) > settings.maxBodyBytes) {
    return createBodyTooLargeError(settings.maxBodyBytes);
  }
  return undefined;
}

/**
 * A WebSocket handshake that reached the request handler (a server without an `upgrade` listener). Other
 * upgrade tokens, such as curl's `h2c`, are ignored as RFC 9110 §7.8 allows, and served over HTTP/1.1.
 */
function isWebSocketUpgrade(req: IncomingMessage): boolean {
  return req.headers.upgrade?.toLowerCase().includes('websocket') ?? false;
}

function createClosedError(): PorticoError {
  return createUnavailableError('proxy closed');
}

function positiveOr(value: number | undefined, fallback: number): number {
  return value !== undefined && Number.isFinite(value) && value > 0 ? value : fallback;
}
