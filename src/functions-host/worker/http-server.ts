/**
 * The worker's HTTP server: the app as a plain upstream on loopback. Route match → invoke; no match
 * (unknown path or wrong method, as on Azure) → 404; `/__portico/` is reserved for the worker itself
 * (`GET /__portico/health` → 200) and never reaches a function. Every request is handled on its own, so
 * invocations run concurrently.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { overlay } from '../../shared/overlay.js';
import type { AppFunction } from './app-functions.js';
import { isDeclaredTooLarge, MAX_BODY_BYTES, readBody, sendStatus, writeResult } from './http-io.js';
import { type InvokeDeps, invokeHttp } from './invoke.js';
import type { RouteTable } from './routes.js';
import { absoluteUrl, normalizeHeaders } from './rpc-request.js';
import { streamInvocation } from './stream.js';

/** The reserved path prefix of the worker's own endpoints. */
export const RESERVED_PREFIX = '/__portico/';

/** What the server routes to. */
export interface WorkerServerDeps extends InvokeDeps {
  table: RouteTable;
  functions: ReadonlyMap<string, AppFunction>;
  /** The v4 library's stream proxy, when the app enabled HTTP streaming. */
  streamUri: string | undefined;
  maxBodyBytes?: number;
}

/** Creates (but does not start) the worker's server. */
export function createWorkerServer(deps: WorkerServerDeps): Server {
  const server = createServer({ keepAliveTimeout: 5_000 }, (req, res) => {
    handleRequest(deps, req, res).catch((error: unknown) => {
      deps.log.write('error', 'system', `Unexpected worker error: ${String(error)}`);
      if (!res.headersSent) {
        sendStatus(res, 500);
      } else {
        res.destroy();
      }
    });
  });
  server.on('clientError', (_error, socket) => socket.destroy());
  return server;
}

async function handleRequest(
  deps: WorkerServerDeps,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const routed = routeRequest(deps, req.method ?? 'GET', req.url ?? '/');
  if (routed.kind === 'answer') {
    req.resume();
    return sendStatus(res, routed.status, routed.text);
  }
  const max = deps.maxBodyBytes ?? MAX_BODY_BYTES;
  if (isDeclaredTooLarge(req, max)) {
    return refuseTooLarge(req, res);
  }
  const { fn, params } = routed;
  if (deps.streamUri !== undefined) {
    return streamInvocation(overlay(deps, { streamUri: deps.streamUri }), fn, { req, res, params });
  }
  return serveBuffered(deps, fn, { req, res, params }, max);
}

/** Where a request goes: a function of the app, or a fixed answer (the worker's own endpoints, 404). */
export type RoutedRequest =
  | { readonly kind: 'answer'; readonly status: number; readonly text: string }
  | { readonly kind: 'function'; readonly fn: AppFunction; readonly params: Record<string, string> };

/**
 * Routes one request, whatever it came over: `/__portico/health` (GET or HEAD) → 200 `ok`, anything else
 * under `/__portico/` → 404; a route match → its function; no match (unknown path or wrong method, as on
 * Azure) → 404.
 */
export function routeRequest(
  deps: Pick<WorkerServerDeps, 'table' | 'functions'>,
  rawMethod: string,
  rawUrl: string,
): RoutedRequest {
  const pathname = rawUrl.split('?', 1)[0] ?? '/';
  const method = rawMethod.toUpperCase();
  if (pathname.toLowerCase().startsWith(RESERVED_PREFIX)) {
    const health =
      pathname.toLowerCase() === `${RESERVED_PREFIX}health` && (method === 'GET' || method === 'HEAD');
    return health ? { kind: 'answer', status: 200, text: 'ok' } : NOT_FOUND;
  }
  const match = deps.table.match(method, pathname);
  const fn = match === undefined ? undefined : deps.functions.get(match.functionName);
  return match === undefined || fn === undefined ? NOT_FOUND : { kind: 'function', fn, params: match.params };
}

const NOT_FOUND: RoutedRequest = Object.freeze({ kind: 'answer', status: 404, text: '' });

/** The answer to a body over the worker's limit. */
export const TOO_LARGE_TEXT = 'Request bodies are limited to 100 MB.';

/** Reads the whole body, invokes the function and writes its complete response. */
async function serveBuffered(
  deps: WorkerServerDeps,
  fn: AppFunction,
  exchange: { req: IncomingMessage; res: ServerResponse; params: Record<string, string> },
  max: number,
): Promise<void> {
  const { req, res, params } = exchange;
  const body = await readBody(req, max);
  if (body === undefined) {
    return refuseTooLarge(req, res);
  }
  const headers = normalizeHeaders(req.headers);
  const method = (req.method ?? 'GET').toUpperCase();
  const data = { method, url: absoluteUrl(req.url ?? '/', headers), headers, params, body };
  const result = await invokeHttp(deps, fn, data);
  writeResult(res, result, (name) =>
    deps.log.write(
      'warn',
      'system',
      `Function "${fn.name}" set an invalid header "${name}"; it was dropped.`,
    ),
  );
}

function refuseTooLarge(req: IncomingMessage, res: ServerResponse): void {
  res.setHeader('connection', 'close');
  sendStatus(res, 413, TOO_LARGE_TEXT);
  res.on('finish', () => req.destroy());
}
