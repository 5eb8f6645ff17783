/**
 * One small HTTP client for the supervisor's own calls to its worker (health checks, internal invokes):
 * no connection pool, so a hung worker never holds sockets the next check would queue behind.
 */
import { request } from 'node:http';
import { PorticoError } from '../shared/errors.js';
import { errorMessage } from '../shared/guards.js';

/** A request to the worker. */
export interface LoopbackRequest {
  readonly method: 'GET' | 'POST';
  readonly headers?: Record<string, string>;
  readonly body?: string;
  /** The whole exchange, connection to last byte, must finish within this. */
  readonly timeoutMs: number;
  /** The worker's Unix socket, when the request goes there instead of to the URL's port. */
  readonly socketPath?: string;
}

/** The worker's answer, body as text. */
export interface LoopbackResponse {
  readonly status: number;
  readonly body: string;
}

/** Sends one request to `url`; rejects on connection errors and on timeout. */
export function sendLoopbackRequest(url: string, init: LoopbackRequest): Promise<LoopbackResponse> {
  return new Promise((resolve, reject) => {
    const options = { method: init.method, headers: init.headers, agent: false, socketPath: init.socketPath };
    const req = request(url, options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
      );
      res.on('error', reject);
    });
    const timer = setTimeout(
      () => req.destroy(new Error(`no answer within ${init.timeoutMs} ms`)),
      init.timeoutMs,
    );
    req.on('close', () => clearTimeout(timer));
    req.on('error', reject);
    req.end(init.body);
  });
}

/**
 * POSTs `body` as JSON to `path` on the worker at `baseUrl`. Connection failures and timeouts become
 * FUNCTIONS_UNAVAILABLE; any HTTP answer, whatever its status, is returned.
 */
export async function postJson(
  baseUrl: string,
  path: string,
  body: unknown,
  timeoutMs: number,
  socketPath?: string,
): Promise<LoopbackResponse> {
  try {
    return await sendLoopbackRequest(`${baseUrl}${path.startsWith('/') ? path : `/${path}`}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body) ?? 'null',
      timeoutMs,
      ...(socketPath === undefined ? {} : { socketPath }),
    });
  } catch (error) {
    const message = errorMessage(error);
    throw new PorticoError('FUNCTIONS_UNAVAILABLE', `POST ${path} to the API worker failed: ${message}`, {
      cause: error,
    });
  }
}
