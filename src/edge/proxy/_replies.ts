/**
 * The proxy's one error → response mapping. Every failure becomes a {@link PorticoError} first
 * ({@link toProxyError}); {@link sendProxyError} then writes it: JSON for most codes, the exact Azure text
 * for the timeout (D10). Bodies are never empty (D12).
 */
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { ERROR_CODES, PorticoError } from '../../shared/errors.js';

/** Azure's body for an `/api` call that ran past the limit (spec §3.2 item 5, D10). */
export const BACKEND_CALL_FAILURE = 'Backend call failure';

/** Plain-text explanation for refused WebSocket upgrades (D11). */
export const UPGRADE_REFUSED_TEXT = 'WebSocket upgrades are not supported by Static Web Apps APIs.';

/** Error codes of failures reaching the backend at all (as opposed to failing mid-exchange). */
const CONNECT_FAILURE_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'ETIMEDOUT',
  'UND_ERR_CONNECT_TIMEOUT',
]);

const TIMEOUT_CODES = new Set(['UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/** The 413 error, worded with the configured limit. */
export function createBodyTooLargeError(maxBodyBytes: number): PorticoError {
  return new PorticoError(
    'PROXY_BODY_TOO_LARGE',
    `Request bodies sent to /api are limited to ${formatBytes(maxBodyBytes)}.`,
  );
}

/** The D10 timeout error. */
export function createTimeoutError(timeoutMs: number): PorticoError {
  return new PorticoError('PROXY_BACKEND_TIMEOUT', `The /api backend did not answer within ${timeoutMs} ms.`);
}

/**
 * The 408 for a client that stopped sending its request body before its end (decision 0118): told apart
 * from a backend that does not answer, in the answer and in the log.
 */
export function createClientBodyTimeoutError(idleMs: number): PorticoError {
  return new PorticoError(
    'PROXY_CLIENT_BODY_TIMEOUT',
    `The client stopped sending its request body: nothing more of it arrived within ${idleMs} ms.`,
  );
}

/**
 * Maps anything undici or the body stream raised to a coded proxy error. Its message is public (the
 * response body): it says what failed, never where the backend is; the caller logs the address.
 */
export function toProxyError(error: unknown, unreachableHint?: string, cutReason?: string): PorticoError {
  if (error instanceof PorticoError) {
    return error;
  }
  const code = readErrorCode(error);
  if (TIMEOUT_CODES.has(code)) {
    return new PorticoError('PROXY_BACKEND_TIMEOUT', BACKEND_CALL_FAILURE, { cause: error });
  }
  if (code === 'UND_ERR_INVALID_ARG') {
    const detail = error instanceof Error ? error.message : code;
    return new PorticoError('EDGE_BAD_REQUEST_PATH', `The request cannot be sent to /api: ${detail}.`, {
      cause: error,
    });
  }
  return createUnavailableError(code, error, unreachableHint, cutReason);
}

/** undici's codes for a connection the backend closed or reset in the middle of the exchange. */
const CUT_CODES: ReadonlySet<string> = new Set(['UND_ERR_SOCKET', 'ECONNRESET', 'EPIPE']);

/** True when `error` (from undici) means the backend was never reached: nothing of the request was sent. */
export function isConnectFailure(error: unknown): boolean {
  return CONNECT_FAILURE_CODES.has(readErrorCode(error));
}

/** Why a backend stops in the middle of an exchange, when its proxy does not say (a backend of any kind). */
const DEFAULT_CUT_REASON = 'it crashed or was restarted';

/**
 * The D12 error for a backend that cannot be reached or broke the exchange. The message is the public
 * body: it names no address and no error code (an errno tells the public how the server's network
 * answered; decision 0104), which {@link unavailableCodeOf} gives the log line; `hint` says what to do and
 * `cutReason` why a backend stops, in the words of the mode the user is in.
 */
export function createUnavailableError(
  code: string,
  cause?: unknown,
  hint?: string,
  cutReason = DEFAULT_CUT_REASON,
): PorticoError {
  const message = CONNECT_FAILURE_CODES.has(code)
    ? `The API backend is not reachable.${hint === undefined ? '' : ` ${hint}`}`
    : CUT_CODES.has(code)
      ? `The API backend closed the connection before it answered: it stopped while handling this request (${cutReason}); send the request again.`
      : 'The API backend failed to answer.';
  const error = new PorticoError('PROXY_BACKEND_UNAVAILABLE', message, { cause });
  UNAVAILABLE_CODES.set(error, code);
  return error;
}

/** The error code behind each error {@link createUnavailableError} made, for the server's log. */
const UNAVAILABLE_CODES = new WeakMap<PorticoError, string>();

/**
 * The error code (`ECONNREFUSED`, `UND_ERR_SOCKET`, …) behind an error of {@link createUnavailableError},
 * for the server's log only; undefined for any other error.
 */
export function unavailableCodeOf(error: PorticoError): string | undefined {
  return UNAVAILABLE_CODES.get(error);
}

/**
 * A public 502 for a backend that is not running, from whatever its host reported: the error code's
 * catalog summary, never the message itself (which may name folders, ports or addresses; log that).
 *
 * @example
 * describeUnavailable(loadError, 'The API is not running', 'the portico start output has the details');
 * // → 502 "The API is not running: the API app has a syntax error (FUNCTIONS_SYNTAX_ERROR); the portico start output has the details."
 */
export function describeUnavailable(error: unknown, intro: string, hint?: string): PorticoError {
  const what =
    error instanceof PorticoError
      ? `${ERROR_CODES[error.code].summary} (${error.code})`
      : 'it is not running';
  const tail = hint === undefined ? '' : `; ${hint}`;
  return new PorticoError('PROXY_BACKEND_UNAVAILABLE', `${intro}: ${what}${tail}.`, { cause: error });
}

/**
 * Writes `error` as the whole response. When the request body was not read to its end the connection is
 * closed after the answer (and what is left of the body is discarded meanwhile), so a half-read body never
 * corrupts the next request on a keep-alive connection.
 */
export function sendProxyError(req: IncomingMessage, res: ServerResponse, error: PorticoError): void {
  if (res.headersSent || res.destroyed) {
    res.destroy();
    return;
  }
  const body = renderErrorBody(error);
  const headers: OutgoingHttpHeaders = {
    'content-type': error.code === 'PROXY_BACKEND_TIMEOUT' ? 'text/plain; charset=utf-8' : JSON_TYPE,
    'content-length': Buffer.byteLength(body),
  };
  if (!req.complete) {
    headers.connection = 'close';
    req.unpipe();
    req.resume();
  }
  res.writeHead(error.status, headers).end(body);
}

const JSON_TYPE = 'application/json; charset=utf-8';

function renderErrorBody(error: PorticoError): string {
  if (error.code === 'PROXY_BACKEND_TIMEOUT') {
    return BACKEND_CALL_FAILURE;
  }
  return JSON.stringify({ statusCode: error.status, code: error.code, message: error.message });
}

/** The most telling code of an error: its own, its cause's, or the first of an AggregateError's. */
function readErrorCode(error: unknown): string {
  const own = codeOf(error);
  if (own !== undefined) {
    return own;
  }
  if (error instanceof AggregateError) {
    return codeOf(error.errors[0]) ?? 'unknown error';
  }
  return (error instanceof Error ? codeOf(error.cause) : undefined) ?? 'unknown error';
}

function codeOf(error: unknown): string | undefined {
  if (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string') {
    return error.code;
  }
  return undefined;
}

/** `31457280` → `30 MB (31457280 bytes)`; other sizes in bytes. */
function formatBytes(bytes: number): string {
  const mebibytes = bytes / (1024 * 1024);
  return Number.isInteger(mebibytes) ? `${mebibytes} MB (${bytes} bytes)` : `${bytes} bytes`;
}
