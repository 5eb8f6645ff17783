/**
 * The gateway's request pipeline (spec/apim.md §1–2), for one call to a service's host:
 * 1. match the API by path suffix (404 `Resource not found` otherwise);
 * 2. answer a CORS preflight from the `cors` policy before any key check (§5.5);
 * 3. match the operation by method and URL template (404 otherwise, also for a wrong method);
 * 4. decide access from the subscription key (401 with APIM's messages);
 * 5. run the composed policies inbound → backend → outbound (on-error on failure) and send the answer.
 * It never throws: every failure is an APIM JSON error body.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { publishEvent } from '../shared/events.js';
import type { Logger } from '../shared/logger.js';
import { type AccessGrant, decideAccess, readKey } from './access.js';
import { matchApi, matchOperation, type RouteMatch } from './matching.js';
import { answerPreflight, runPipeline } from './policies/index.js';
import type { CompiledService } from './service.js';
import {
  type GatewayContext,
  type GatewayDeps,
  GatewayFailure,
  type GatewayOperation,
  type GatewayResponse,
} from './types.js';

/** Options of {@link createGatewayHandler}. */
export interface GatewayHandlerOptions {
  readonly deps: GatewayDeps;
  readonly logger: Logger;
  /** Makes request ids (the edge's generator). */
  readonly requestId: () => string;
  /** Default `forward-request` timeout, in ms (APIM: 300 s). */
  readonly timeoutMs?: number;
}

/** Serves one call to a service. */
export type GatewayHandler = (
  service: CompiledService,
  req: IncomingMessage,
  res: ServerResponse,
) => Promise<void>;

/**
 * The gateway's answer to a WebSocket upgrade, in API Management's error shape: Portico's gateway has
 * HTTP APIs only (spec/apim.md §1.1), so no upgrade is ever accepted.
 */
export const GATEWAY_UPGRADE_REFUSAL = {
  status: '501 Not Implemented',
  contentType: 'application/json; charset=utf-8',
  body: JSON.stringify({
    statusCode: 501,
    message:
      'WebSocket APIs are not supported by this API Management gateway; call its APIs over HTTP or HTTPS.',
  }),
} as const;

const NOT_FOUND = new GatewayFailure(404, 'Resource not found', {
  reason: 'OperationNotFound',
  source: 'configuration',
});

/** Creates the gateway's request handler. */
export function createGatewayHandler(options: GatewayHandlerOptions): GatewayHandler {
  return async (service, req, res) => {
    const matched: CallNames = { api: '', product: '' };
    try {
      await handle(service, req, res, options, matched);
    } catch (error) {
      if (!(error instanceof GatewayFailure)) {
        options.logger.error(
          `gateway ${service.name}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
        );
      }
      sendFailure(
        req,
        res,
        error instanceof GatewayFailure
          ? error
          : new GatewayFailure(500, 'Internal server error', { reason: 'Internal', source: 'gateway' }),
      );
    }
    publishEvent('gatewayCall', () => ({
      service: service.name,
      api: matched.api,
      product: matched.product,
      status: res.statusCode,
    }));
  };
}

/** The API and product a call matched, for the metrics (empty when none). */
interface CallNames {
  api: string;
  product: string;
}

function splitUrl(url: string): { path: string; query: URLSearchParams } {
  const index = url.indexOf('?');
  return index === -1
    ? { path: url, query: new URLSearchParams() }
    : { path: url.slice(0, index), query: new URLSearchParams(url.slice(index + 1)) };
}

function headerMap(req: IncomingMessage): Map<string, string[]> {
  const headers = new Map<string, string[]>();
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const name = (raw[i] ?? '').toLowerCase();
    const list = headers.get(name);
    if (list === undefined) {
      headers.set(name, [raw[i + 1] ?? '']);
    } else {
      list.push(raw[i + 1] ?? '');
    }
  }
  return headers;
}

function isPreflight(req: IncomingMessage): boolean {
  return (
    req.method === 'OPTIONS' &&
    req.headers.origin !== undefined &&
    req.headers['access-control-request-method'] !== undefined
  );
}

async function handle(
  service: CompiledService,
  req: IncomingMessage,
  res: ServerResponse,
  options: GatewayHandlerOptions,
  matched: CallNames,
): Promise<void> {
  const { path, query } = splitUrl(req.url ?? '/');
  const found = matchApi(service.apis, path);
  if (found === undefined) {
    throw NOT_FOUND;
  }
  matched.api = found.api.api.id;
  const method = (req.method ?? 'GET').toUpperCase();
  const headers = headerMap(req);
  if (isPreflight(req)) {
    const op = matchOperation(found.api, found.apiPath, method, true);
    const open = service.access.openProductOf.get(found.api.api.id);
    const route: RouteMatch = {
      api: found.api,
      apiPath: found.apiPath,
      operation: op?.operation,
      templateParameters: op?.templateParameters ?? {},
    };
    const ctx = createContext(
      service,
      req,
      route,
      { product: open, subscription: undefined, key: undefined },
      headers,
      query,
      options,
    );
    const outcome = service.effective(open?.id, found.api.api.id, op?.operation.id);
    if (outcome.ok && answerPreflight(outcome.policy, ctx)) {
      return send(req, res, ctx.response);
    }
  }
  const op = matchOperation(found.api, found.apiPath, method);
  if (op === undefined) {
    throw NOT_FOUND;
  }
  const grant = decideAccess(service.access, found.api.api, readKey(found.api.api, headers, query));
  matched.product = grant.product?.id ?? '';
  headers.delete(found.api.api.keyHeader);
  query.delete(found.api.api.keyQuery);
  const route: RouteMatch = {
    api: found.api,
    apiPath: found.apiPath,
    operation: op.operation,
    templateParameters: op.templateParameters,
  };
  const ctx = createContext(service, req, route, grant, headers, query, options);
  await runCall(service, ctx, op.operation, options);
  await send(req, res, ctx.response);
}

async function runCall(
  service: CompiledService,
  ctx: GatewayContext,
  operation: GatewayOperation,
  options: GatewayHandlerOptions,
): Promise<void> {
  const outcome = service.effective(ctx.call.product?.id, ctx.call.api.id, operation.id);
  if (!outcome.ok) {
    options.logger.error(`gateway ${service.name}: ${outcome.problem}`);
    throw new GatewayFailure(500, 'Internal server error', {
      reason: 'PolicyInvalid',
      source: 'configuration',
    });
  }
  await runPipeline(outcome.policy, ctx);
}

function createContext(
  service: CompiledService,
  req: IncomingMessage,
  route: RouteMatch,
  grant: AccessGrant,
  headers: Map<string, string[]>,
  query: URLSearchParams,
  options: GatewayHandlerOptions,
): GatewayContext {
  const api = route.api.api;
  return {
    requestId: options.requestId(),
    clientIp: normalizeIp(req.socket.remoteAddress ?? ''),
    startedAt: options.deps.now(),
    call: {
      serviceName: service.name,
      api,
      operation: route.operation,
      product: grant.product,
      subscription: grant.subscription,
      subscriptionKey: grant.key,
    },
    request: {
      method: (req.method ?? 'GET').toUpperCase(),
      apiPath: route.apiPath,
      query,
      headers,
      templateParameters: route.templateParameters,
      originalPath: req.url ?? '/',
      body: req,
    },
    backend: { baseUrl: api.serviceUrl, timeoutMs: options.timeoutMs ?? 300_000, followRedirects: false },
    response: undefined,
    variables: new Map(),
    lastError: undefined,
    deps: options.deps,
  };
}

function normalizeIp(address: string): string {
  return address.startsWith('::ffff:') ? address.slice(7) : address;
}

/** Writes a response made by the pipeline (an empty 200 when nothing set one). */
async function send(
  req: IncomingMessage,
  res: ServerResponse,
  response: GatewayResponse | undefined,
): Promise<void> {
  const answer = response ?? { status: 200, headers: new Map(), body: undefined };
  if (!req.readableEnded) {
    req.resume();
  }
  if (res.headersSent) {
    return;
  }
  for (const [name, values] of answer.headers) {
    res.setHeader(name, values.length === 1 ? (values[0] ?? '') : values);
  }
  res.statusCode = answer.status;
  const body = answer.body;
  // 204 and 304 never have a body, nor a Content-Length that would promise one (RFC 9110 §8.6).
  if (req.method === 'HEAD' || body === undefined || answer.status === 204 || answer.status === 304) {
    if (body instanceof Readable) {
      body.resume();
    }
    res.end();
    return;
  }
  if (body instanceof Readable) {
    await stream(body, res);
    return;
  }
  if (!res.hasHeader('content-length')) {
    res.setHeader('content-length', Buffer.byteLength(body));
  }
  res.end(body);
}

/**
 * Copies a backend body to the caller. Lighter than stream.pipeline (no AbortController per call): a
 * failing backend body cuts the response, and a caller who goes away releases the backend body.
 */
function stream(body: Readable, res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    body.once('error', () => res.destroy());
    res.once('close', () => {
      if (!body.readableEnded) {
        body.destroy();
      }
      resolve();
    });
    body.pipe(res);
  });
}

/** Writes APIM's JSON error body. */
export function sendFailure(req: IncomingMessage, res: ServerResponse, failure: GatewayFailure): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify({ statusCode: failure.status, message: failure.message });
  // Headers of an answer that could not be written (a value Node refused) must not leak into this one.
  for (const name of res.getHeaderNames()) {
    res.removeHeader(name);
  }
  res.statusCode = failure.status;
  for (const [name, value] of Object.entries(failure.headers)) {
    res.setHeader(name, value);
  }
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.setHeader('content-length', Buffer.byteLength(body));
  res.end(req.method === 'HEAD' ? undefined : body);
  req.resume();
}
