/**
 * HTTP streaming for v4 apps that call `app.setup({ enableHttpStream: true })` (spec §7, library
 * `http/httpProxy.ts`). The original request (method, path + query, headers, body stream) is forwarded to
 * the library's own proxy server (`HttpUri`) with `x-ms-invocation-id`, `x-forwarded-host` and
 * `x-forwarded-proto`, while the pipeline runs with `triggerMetadata` {Headers, route values}. The
 * library writes the user's response, streamed, on that proxied exchange; it is piped back to the client.
 */
import { randomUUID } from 'node:crypto';
import { type ClientRequest, type IncomingMessage, request, type ServerResponse } from 'node:http';
import type { AppFunction } from './app-functions.js';
import { sendStatus } from './http-io.js';
import { type InvokeDeps, logFailure } from './invoke.js';
import { runPipeline } from './pipeline.js';
import { absoluteUrl, buildInvocationRequest, normalizeHeaders } from './rpc-request.js';
import { cancellableResult } from './stream-cancel.js';
import type { InvocationTag } from './worker-log.js';

/** Hop-by-hop headers that are not forwarded in either direction. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
]);
const INVOCATION_ID_HEADER = 'x-ms-invocation-id';

/**
 * Serves one request of a streaming app; resolves when the invocation has finished. A client that goes
 * away before its response ended (a closed connection, the edge giving up at its timeout) cancels the
 * response stream, which ends the invocation (`stream-cancel.ts`), and cuts the exchange with the library.
 */
export async function streamInvocation(
  deps: InvokeDeps & { streamUri: string },
  fn: AppFunction,
  exchange: { req: IncomingMessage; res: ServerResponse; params: Record<string, string> },
): Promise<void> {
  const { req, res, params } = exchange;
  const tag: InvocationTag = { functionName: fn.name, invocationId: randomUUID() };
  const headers = normalizeHeaders(req.headers);
  const url = absoluteUrl(req.url ?? '/', headers);
  const data = { method: req.method ?? 'GET', url, headers, params, body: undefined };
  const rpcRequest = buildInvocationRequest(fn, data, {
    model: 'v4',
    invocationId: tag.invocationId,
    streaming: true,
  });
  const proxied = forwardToLibrary(deps.streamUri, exchange, tag.invocationId, new URL(url));
  const clientGone = watchClient(res, proxied);
  const prepare = (result: unknown) => cancellableResult(result, clientGone);
  try {
    const outcome = await deps.log.scope.run(tag, () => runPipeline(deps, fn, rpcRequest, prepare));
    if (outcome.result === null || outcome.result === undefined) {
      proxied.destroy();
      answerIfPending(res, 204);
    }
  } catch (error) {
    if (clientGone.aborted) {
      const message = `Executed "${fn.name}" (Cancelled, Id=${tag.invocationId}): the client went away before the response ended; its stream was cancelled.`;
      deps.log.write('info', 'system', message, tag);
    } else {
      logFailure(deps.log, tag, error);
    }
    proxied.destroy();
    answerIfPending(res, 500);
  } finally {
    if (clientGone.aborted) {
      proxied.destroy();
    }
  }
}

/**
 * A signal that aborts when `res` closes before it finished: the client (or the edge in front of it)
 * went away. A request body still being forwarded to the library is cut off then, so a handler reading
 * it fails instead of waiting for ever.
 */
function watchClient(res: ServerResponse, proxied: ClientRequest): AbortSignal {
  const controller = new AbortController();
  res.once('close', () => {
    if (!res.writableFinished) {
      controller.abort(new Error('The client closed the connection before the response ended.'));
      if (!proxied.writableFinished) {
        proxied.destroy();
      }
    }
  });
  return controller.signal;
}

function forwardToLibrary(
  streamUri: string,
  exchange: { req: IncomingMessage; res: ServerResponse },
  invocationId: string,
  original: URL,
): ClientRequest {
  const { req, res } = exchange;
  const target = new URL(req.url ?? '/', streamUri);
  if (target.hostname === 'localhost') {
    target.hostname = '127.0.0.1';
  }
  const headers = {
    ...forwardableHeaders(req.rawHeaders),
    [INVOCATION_ID_HEADER]: invocationId,
    'x-forwarded-host': original.host,
    'x-forwarded-proto': original.protocol.replace(/:$/, ''),
  };
  const proxied = request(target, { method: req.method, headers });
  proxied.on('response', (upstream) => relayResponse(upstream, res));
  proxied.on('error', () => answerIfPending(res, 502));
  req.pipe(proxied);
  return proxied;
}

function forwardableHeaders(rawHeaders: readonly string[]): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = {};
  for (let index = 0; index + 1 < rawHeaders.length; index += 2) {
    const name = (rawHeaders[index] ?? '').toLowerCase();
    const value = rawHeaders[index + 1] ?? '';
    if (HOP_BY_HOP.has(name) || name === INVOCATION_ID_HEADER) {
      continue;
    }
    const previous = headers[name];
    headers[name] = previous === undefined ? value : [...[previous].flat(), value];
  }
  return headers;
}

function relayResponse(upstream: IncomingMessage, res: ServerResponse): void {
  if (res.headersSent) {
    upstream.resume();
    return;
  }
  const flat: string[] = [];
  for (let index = 0; index + 1 < upstream.rawHeaders.length; index += 2) {
    const name = upstream.rawHeaders[index] ?? '';
    const lower = name.toLowerCase();
    if (!HOP_BY_HOP.has(lower) && lower !== INVOCATION_ID_HEADER) {
      flat.push(name, upstream.rawHeaders[index + 1] ?? '');
    }
  }
  res.writeHead(upstream.statusCode ?? 200, flat);
  upstream.pipe(res);
  upstream.on('error', () => res.destroy());
}

function answerIfPending(res: ServerResponse, status: number): void {
  if (!res.headersSent) {
    sendStatus(res, status);
  } else if (!res.writableEnded) {
    res.destroy();
  }
}
