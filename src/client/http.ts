/**
 * The one HTTP helper of the client: base URL, bearer token, JSON in and out on `node:http(s)`.
 * Error answers (`{ error: { code, message, details? } }`) and connection failures become user errors
 * whose message says what to do. Not the built-in `fetch`: loading it costs a CLI command about as much
 * as starting Node.js itself (docs/decisions/0024-lazy-cli.md).
 */
import { createReadStream } from 'node:fs';
import { type ClientRequest, request as httpRequest, type IncomingMessage, STATUS_CODES } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { PorticoError } from '../shared/errors.js';
import { errorMessage, isRecord } from '../shared/guards.js';
import { redactUrlPassword } from '../shared/redact-url.js';
import { porticoVersion } from '../shared/version.js';
import { htmlTitle, isHtmlAnswer, printableLine, printableText } from './answer-text.js';
import { findProtocolMismatch } from './protocol-mismatch.js';
import type { ErrorBody, ErrorBodyDetail } from './types.js';
import { findUntrustedCertificate } from './untrusted-certificate.js';

/** Where requests go and the bearer token they carry. */
export interface HttpTarget {
  /** Base URL of the admin listener, e.g. `http://127.0.0.1:4281` (a trailing `/` is ignored). */
  readonly url: string;
  /** Admin token, or a site's deployment token for `/deploy/v1/…`. */
  readonly token: string;
}

/** HTTP methods the API uses. */
export type HttpMethod = 'GET' | 'PUT' | 'PATCH' | 'POST' | 'DELETE';

/** One request: a path below the base URL (already encoded) and an optional JSON or raw body. */
export interface RequestOptions {
  readonly method: HttpMethod;
  /** Starts with `/`; segments already `encodeURIComponent`'ed. */
  readonly path: string;
  /** A JSON body. */
  readonly json?: unknown;
  /** A raw body, sent as `application/octet-stream`. */
  readonly bytes?: Uint8Array;
  /** A raw body read from a file as it is sent (never whole in memory), as `application/octet-stream`. */
  readonly file?: FileBody;
  /** More request headers (e.g. `if-none-match: *` to create without overwriting). */
  readonly headers?: Readonly<Record<string, string>>;
}

/** A file sent as a request body: its path and the size the server was told. */
export interface FileBody {
  readonly path: string;
  readonly size: number;
}

/**
 * Sends a request and returns the parsed JSON answer (`undefined` for an empty one, e.g. 204).
 *
 * @throws PorticoError `CLIENT_SERVER_UNREACHABLE` when the server cannot be reached,
 *   `CLIENT_REQUEST_FAILED` (with the HTTP status) for any non-2xx answer.
 * @example
 * const sites = await request<ResourceList<Site>>({ url, token }, { method: 'GET', path: SITES_PATH });
 */
export async function request<T>(target: HttpTarget, options: RequestOptions): Promise<T> {
  const address = target.url.replace(/\/+$/, '');
  // Messages name the server without the password of a URL given with one (http://ci:s3cret@host).
  const base = redactUrlPassword(address);
  const url = requestUrl(address, options.path, base);
  let response: Answer;
  try {
    response = await send(url, options.method, target.token, options);
  } catch (cause) {
    if (cause instanceof PorticoError) {
      throw cause;
    }
    throw (
      findUntrustedCertificate(cause, url, base) ??
      (await findProtocolMismatch(cause, url, base)) ??
      unreachable(cause, base)
    );
  }
  if (response.status < 200 || response.status > 299) {
    const failure = requestFailed(response, response.text, base, options);
    throw TRY_AGAIN_STATUSES.has(response.status) ? toTryAgain(failure) : failure;
  }
  return parseAnswer<T>(response.text, base, options);
}

/**
 * The URL of a request, or a user error when the base URL does not parse (a port above 65535, a second
 * `:port`, an IPv6 address without its `]`): a URL typed wrong fails again however often it is tried.
 */
function requestUrl(address: string, path: string, base: string): URL {
  try {
    const url = new URL(`${address}${path}`);
    // Node's HTTP client decodes the user name and password before sending: a bare % ('ab%zz') throws
    // "URI malformed" there, which would read as a server that cannot be reached.
    decodeURIComponent(url.username);
    decodeURIComponent(url.password);
    return url;
  } catch (cause) {
    throw new PorticoError(
      'CLIENT_URL_INVALID',
      `The server URL ${base} is malformed${cause instanceof URIError ? ' (a % in its user name or password must begin an escape of UTF-8 text, such as %2F or %C3%A9; write a % itself as %25)' : ''}; give the admin address of portico serve as http(s)://[user:password@]host[:port], e.g. http://127.0.0.1:4281.`,
      { cause },
    );
  }
}

function unreachable(cause: unknown, base: string): PorticoError {
  return new PorticoError(
    'CLIENT_SERVER_UNREACHABLE',
    `Cannot reach the Portico server at ${base} (${printableLine(describeCause(cause))}). Is portico serve running? Set --url or PORTICO_URL.`,
    { cause, exitCode: TRY_AGAIN_EXIT_CODE },
  );
}

/**
 * The exit code of a command that failed for a reason that may pass (EX_TEMPFAIL): the server could not be
 * reached, or it or a proxy before it answered 502, 503 or 504 (restarting, draining). A pipeline may
 * retry on it; every other failure (a wrong token, a refused deploy) ends with 1 and would fail again.
 */
export const TRY_AGAIN_EXIT_CODE = 75;

const TRY_AGAIN_STATUSES: ReadonlySet<number> = new Set([502, 503, 504]);

function toTryAgain(failure: PorticoError): PorticoError {
  return new PorticoError(failure.code, failure.message, {
    cause: failure.cause,
    status: failure.status,
    ...(failure.details === undefined ? {} : { details: failure.details }),
    exitCode: TRY_AGAIN_EXIT_CODE,
  });
}

/** An HTTP answer, read to the end. */
interface Answer {
  readonly status: number;
  readonly statusText: string;
  /** The `content-type` header, `''` when there is none. */
  readonly contentType: string;
  readonly text: string;
}

/** Sends one request and reads the whole answer as UTF-8 text. */
function send(url: URL, method: HttpMethod, token: string, options: RequestOptions): Promise<Answer> {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return Promise.reject(new Error(`${url.protocol} is not http: or https:`));
  }
  const body = requestBody(options);
  const headers = requestHeaders(token, options);
  if (body !== undefined) {
    headers['content-length'] = String(Buffer.byteLength(body));
  } else if (options.file !== undefined) {
    headers['content-length'] = String(options.file.size);
  }
  const open = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const outgoing = open(url, { method, headers }, (incoming) => {
      readAnswer(incoming)
        .then(resolve, reject)
        .finally(() => {
          // An answer may come before the body is all sent (a refusal): the rest is not sent then.
          if (!outgoing.writableFinished) {
            outgoing.destroy();
          }
        });
    });
    outgoing.on('error', reject);
    if (options.file === undefined) {
      outgoing.end(body);
    } else {
      sendFile(outgoing, options.file, reject);
    }
  });
}

/** Streams `file` as the body of `outgoing`; a read error, or a file shorter than said, fails it. */
function sendFile(outgoing: ClientRequest, file: FileBody, fail: (error: PorticoError) => void): void {
  if (file.size === 0) {
    outgoing.end();
    return;
  }
  const source = createReadStream(file.path, { start: 0, end: file.size - 1 });
  let sent = 0;
  const stop = (cause: unknown) => {
    fail(
      new PorticoError(
        'CLIENT_FOLDER_UNREADABLE',
        `Cannot read ${file.path} any more (${errorMessage(cause)}); deploy again.`,
        { cause },
      ),
    );
    outgoing.destroy();
  };
  source.on('data', (chunk) => {
    sent += chunk.length;
  });
  source.once('error', stop);
  source.once('end', () => {
    if (sent < file.size) {
      stop(new Error(`it has ${sent} bytes now, not ${file.size}: it changed during the deploy`));
    }
  });
  outgoing.once('close', () => source.destroy());
  source.pipe(outgoing);
}

async function readAnswer(incoming: IncomingMessage): Promise<Answer> {
  const chunks: Buffer[] = [];
  for await (const chunk of incoming) {
    chunks.push(chunk as Buffer);
  }
  const status = incoming.statusCode ?? 0;
  return {
    status,
    statusText: incoming.statusMessage ?? STATUS_CODES[status] ?? '',
    contentType: incoming.headers['content-type'] ?? '',
    text: Buffer.concat(chunks).toString('utf8'),
  };
}

function requestHeaders(token: string, options: RequestOptions): Record<string, string> {
  const headers: Record<string, string> = {
    ...options.headers,
    authorization: `Bearer ${token}`,
    accept: 'application/json',
  };
  if (options.bytes !== undefined || options.file !== undefined) {
    headers['content-type'] = 'application/octet-stream';
  } else if (options.json !== undefined) {
    headers['content-type'] = 'application/json';
  }
  return headers;
}

function requestBody(options: RequestOptions): Uint8Array | string | undefined {
  if (options.bytes !== undefined) {
    return options.bytes;
  }
  return options.json === undefined ? undefined : JSON.stringify(options.json);
}

function parseAnswer<T>(text: string, base: string, options: RequestOptions): T {
  if (text === '') {
    return undefined as T;
  }
  try {
    return JSON.parse(text) as T;
  } catch (cause) {
    throw new PorticoError(
      'CLIENT_REQUEST_FAILED',
      `The server at ${base} answered ${options.method} ${options.path} with something other than JSON. Is ${base} the admin address of portico serve (--admin-port, default 4281)?`,
      { cause },
    );
  }
}

/** The most telling part of a failure: its cause's message, or its own (`connect ECONNREFUSED …`). */
function describeCause(error: unknown): string {
  const cause = error instanceof Error ? error.cause : undefined;
  if (cause instanceof Error && cause.message !== '') {
    return cause.message;
  }
  if (isRecord(cause) && typeof cause.code === 'string') {
    return cause.code;
  }
  return errorMessage(error);
}

function requestFailed(response: Answer, text: string, base: string, options: RequestOptions): PorticoError {
  const body = parseErrorBody(text);
  if (body === undefined) {
    if (response.status === 404 && text.includes('No site is served at this host name')) {
      // The data plane's answer to a host it does not serve: the URL names the wrong listener.
      return new PorticoError(
        'CLIENT_REQUEST_FAILED',
        `${base} is the sites port of portico serve, not its management API: point --url (or PORTICO_URL) at the admin port (--admin-port, 4281 by default).`,
        { status: response.status },
      );
    }
    return unexpectedAnswer(response, base, options);
  }
  const details = body.error.details ?? [];
  if (body.error.code === 'CONTROL_UNAUTHORIZED') {
    // The server's words are for any HTTP client; a CLI user sets the token with the CLI's own options.
    return new PorticoError(
      'CLIENT_REQUEST_FAILED',
      `The admin token was missing or refused by ${base}: give the one portico serve uses with --token, --token-file or PORTICO_TOKEN (the server keeps it in <data>/admin-token, or takes it from PORTICO_ADMIN_TOKEN).`,
      { status: response.status, cause: body.error },
    );
  }
  if (body.error.code === 'CONTROL_NOT_FOUND' && body.error.message.startsWith('No API route ')) {
    // A route this CLI knows and the server does not: a node not yet upgraded (a rolling upgrade).
    return new PorticoError(
      'CLIENT_REQUEST_FAILED',
      `${formatServerError(body.error.message, details)} The server at ${base} may run an older Portico than this CLI (${porticoVersion()}): upgrade it, or use a CLI of the server's version (its ready line and /metrics' portico_build_info name it).`,
      { status: response.status, details, cause: body.error },
    );
  }
  return new PorticoError('CLIENT_REQUEST_FAILED', formatServerError(body.error.message, details), {
    status: response.status,
    details,
    cause: body.error,
  });
}

/**
 * A non-2xx answer that is not Portico's JSON error, as one printable line: an HTML page says that
 * something other than Portico answered (a proxy in front of it, or another server) and what to check;
 * any other body is quoted, cut short and without control characters.
 */
function unexpectedAnswer(response: Answer, base: string, options: RequestOptions): PorticoError {
  const answered = `The server at ${base} answered ${response.status} ${printableLine(response.statusText, 80)} to ${options.method} ${options.path}`;
  if (isHtmlAnswer(response.contentType, response.text)) {
    const title = htmlTitle(response.text);
    return new PorticoError(
      'CLIENT_REQUEST_FAILED',
      `${answered} with an HTML page${title === undefined ? '' : ` ("${title}")`}, not Portico's JSON: something other than Portico answered (a proxy in front of it, or another server). Check that --url (or PORTICO_URL) is the admin address of portico serve (--admin-port, default 4281).`,
      { status: response.status },
    );
  }
  const excerpt = printableLine(response.text);
  return new PorticoError('CLIENT_REQUEST_FAILED', `${answered}${excerpt === '' ? '.' : `: ${excerpt}`}`, {
    status: response.status,
  });
}

/**
 * The server's message followed by one `  path: message` line per detail the message does not already
 * include (the server often lists its details in the message too). A detail is in the message when its
 * text is, with its path; or, when the message names no path of it, when no other detail has the same
 * text: two operations missing `responses` are two problems, though the summary names one.
 */
export function formatServerError(message: string, details: readonly ErrorBodyDetail[]): string {
  // Whatever the server says reaches a terminal: no control character of it does.
  const lines = details
    .filter((detail) => !isInMessage(message, detail, details))
    .map((detail) => `  ${printableLine(detail.path, 200)}: ${printableLine(detail.message, 1000)}`);
  return [printableText(message), ...lines].join('\n');
}

function isInMessage(message: string, detail: ErrorBodyDetail, details: readonly ErrorBodyDetail[]): boolean {
  if (!message.includes(detail.message)) {
    return false;
  }
  return (
    message.includes(detail.path) || details.filter((other) => other.message === detail.message).length === 1
  );
}

function parseErrorBody(text: string): ErrorBody | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isRecord(parsed) || !isRecord(parsed.error)) {
    return undefined;
  }
  const { code, message, details } = parsed.error;
  if (typeof code !== 'string' || typeof message !== 'string') {
    return undefined;
  }
  return { error: { code, message, details: Array.isArray(details) ? details.filter(isDetail) : [] } };
}

function isDetail(value: unknown): value is ErrorBodyDetail {
  return isRecord(value) && typeof value.path === 'string' && typeof value.message === 'string';
}

/**
 * The server's error code (e.g. `CONTROL_SITE_NOT_FOUND`) of an error thrown by {@link request}, or
 * `undefined` for other errors.
 */
export function serverErrorCode(error: unknown): string | undefined {
  if (!(error instanceof PorticoError) || error.code !== 'CLIENT_REQUEST_FAILED') {
    return undefined;
  }
  const cause = error.cause;
  return isRecord(cause) && typeof cause.code === 'string' ? cause.code : undefined;
}
