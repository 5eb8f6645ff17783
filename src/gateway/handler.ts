/**
 * The gateway's request pipeline (spec/apim.md §1–2), for one call to a service's host:
 * 1. match the API by path suffix (404 `Resource not found` otherwise);
 * 2. answer a CORS preflight from the `cors` policy before any key check (§5.5);
 * 3. match the operation by method and URL template (404 otherwise, also for a wrong method);
 * 4. decide access from the subscription key (401 with APIM's messages);
 * 5. run the composed policies inbound → backend → outbound (on-error on failure) and send the answer.
 * It never throws: every failure is an APIM JSON error body.
 *
 * One pipeline, two entries (decision 0027): {@link createGatewayPipeline} serves a {@link GatewayInbound},
 * and {@link createGatewayHandler} is the listener's entry, which reads that call from the socket's
 * request. A site linked to a gateway of the same process calls the pipeline directly, without a hop.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { finished } from 'node:stream';
import { eventChannel, type GatewayCallEvent } from '../shared/events.js';
import {
  clientAddressOf,
  isHttpsRequest,
  isUnderscoreForwardedField,
  LINK_PROOF_FIELD,
  priorForwardedFor,
  UNVOUCHED_CLIENT_FIELDS,
} from '../shared/forwarded.js';
import type { Logger } from '../shared/logger.js';
import { BackendResponse, setHeadersOn } from './_backend-response.js';
import { type AccessGrant, decideAccess, type KnownKey, readKey } from './access.js';
import { type CompiledApi, matchApi, matchOperation, type RouteMatch, resolvePath } from './matching.js';
import { answerPreflight, dropBody, runPipeline } from './policies/index.js';
import type { CompiledService } from './service.js';
import {
  type CallIdentity,
  type CallTraffic,
  type GatewayBackend,
  type GatewayContext,
  type GatewayDeps,
  GatewayFailure,
  type GatewayOperation,
  type GatewayRequest,
  type GatewayResponse,
  isBackendBody,
  type LastError,
  type MaybePromise,
} from './types.js';

/** Options of {@link createGatewayPipeline}. */
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
 * One call as the pipeline reads it. The listener takes it from the request it received; a linked site in
 * the same process builds it from what it would have sent over the hop (decision 0027).
 */
export interface GatewayInbound {
  /** Upper or lower case; the pipeline upper-cases it. */
  readonly method: string;
  /** Path and query, raw, as the gateway host would receive them: `/api/orders?x=1`. */
  readonly url: string;
  /** `[name, value, …]` in the order received, names in any case (`IncomingMessage.rawHeaders`). */
  readonly rawHeaders: readonly string[];
  /** The caller's address, as the gateway's socket would see it (or a trusted proxy reported it). */
  readonly clientIp: string;
  /**
   * What the backend is told in `X-Forwarded-Proto` and `X-Forwarded-Host` (the caller's own values are
   * replaced, decision 0084): the scheme and `Host` the gateway was called with; for a linked site in
   * the same process, the site's, as its edge sends them over the hop.
   */
  readonly forwardedProto: 'http' | 'https';
  readonly forwardedHost: string;
  /**
   * The `X-Forwarded-For` entries before the caller, when a trusted reverse proxy reported them (they
   * replace the header it sent, which ends with the caller, appended again on forwarding); undefined to
   * keep the header as received.
   */
  readonly priorForwardedFor: string | undefined;
  /** The body stream; its `content-length` / `transfer-encoding` headers describe it. */
  readonly body: IncomingMessage;
  /** The id the host already gave the call (`context.RequestId`); a new one when absent. */
  readonly requestId?: string;
  /** The subscription key the caller put in its headers, with its digest, when it has one (a linked site). */
  readonly knownKey?: KnownKey;
}

/** Serves one call, described by a {@link GatewayInbound}, to a service. */
export type GatewayPipeline = (
  service: CompiledService,
  inbound: GatewayInbound,
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

/** The response header of the request id the host gave the call; kept on error answers. */
const REQUEST_ID_HEADER = 'x-ms-request-id';

const NOT_FOUND = new GatewayFailure(404, 'Resource not found', {
  reason: 'OperationNotFound',
  source: 'configuration',
});

/**
 * Creates the gateway's request handler: the listener's entry into the pipeline, which reads the call
 * from the request the listener received.
 */
export function createGatewayHandler(pipeline: GatewayPipeline): GatewayHandler {
  return (service, req, res) => pipeline(service, readInbound(req, res), res);
}

/** The call a request on the gateway's own listener describes. */
function readInbound(req: IncomingMessage, res: ServerResponse): GatewayInbound {
  const assigned = res.getHeader(REQUEST_ID_HEADER);
  return {
    method: req.method ?? 'GET',
    url: req.url ?? '/',
    rawHeaders: req.rawHeaders,
    clientIp: clientAddressOf(req),
    forwardedProto: isHttpsRequest(req) ? 'https' : 'http',
    forwardedHost: req.headers.host ?? '',
    priorForwardedFor: priorForwardedFor(req),
    body: req,
    requestId: typeof assigned === 'string' ? assigned : undefined,
    // Every inbound has the same fields, so the pipeline's reads of them see one object shape.
    knownKey: undefined,
  };
}

/** The answer of a call that finished at once (shared: a settled promise cannot change). */
const DONE: Promise<void> = Promise.resolve();

/** The `gatewayCall` channel, looked up once: publishing builds nothing when nobody listens. */
const GATEWAY_CALLS = eventChannel('gatewayCall');

/** Creates the gateway pipeline, shared by the listener and the in-process entry of linked sites. */
export function createGatewayPipeline(options: GatewayHandlerOptions): GatewayPipeline {
  return (service, inbound, res) => new GatewayCall(service, inbound, res, options).start();
}

/**
 * One call through the pipeline, in one object: what it matched (for the `gatewayCall` event), its
 * context once made, and its end. A call that waits for its backend has three promises: the backend's
 * head, the policy run's continuation and the one {@link start} returns (decision 0040).
 */
class GatewayCall {
  /** The API and product the call matched, for the metrics (empty when none). */
  api = '';
  product = '';
  /** Set once the call has a context; its `response` is what {@link finish} sends. */
  ctx: GatewayContext | undefined;

  readonly service: CompiledService;
  readonly inbound: GatewayInbound;
  readonly res: ServerResponse;
  readonly options: GatewayHandlerOptions;

  constructor(
    service: CompiledService,
    inbound: GatewayInbound,
    res: ServerResponse,
    options: GatewayHandlerOptions,
  ) {
    this.service = service;
    this.inbound = inbound;
    this.res = res;
    this.options = options;
  }

  /** Runs the call; the promise settles once it is answered (never rejects). */
  start(): Promise<void> {
    let running: Promise<void> | undefined;
    try {
      running = handle(this);
    } catch (error) {
      this.fail(error);
      return DONE;
    }
    if (running === undefined) {
      return this.finish() ?? DONE;
    }
    return running.then(
      () => this.finish(),
      (error: unknown) => this.fail(error),
    );
  }

  /** Sends what the pipeline left; undefined once the answer is handed over, else a promise of its end. */
  finish(): Promise<void> | undefined {
    let sending: Promise<void> | undefined;
    try {
      sending = send(this.inbound.body, this.res, this.ctx?.response, this.ctx?.traffic);
    } catch (error) {
      this.fail(error);
      return undefined;
    }
    if (sending === undefined) {
      this.sent();
      this.publish();
      return undefined;
    }
    return sending.then(() => {
      this.sent();
      this.publish();
    });
  }

  /**
   * Runs the work scheduled for after the answer (a bandwidth quota's count) once the request body has
   * been read too, with the bytes of the answer's body. It never delays or fails the call: a counter
   * that fails is logged.
   */
  sent(): void {
    const ctx = this.ctx;
    const work = ctx?.afterSent;
    if (ctx === undefined || work === undefined) {
      return;
    }
    ctx.afterSent = undefined;
    if (ctx.traffic !== undefined) {
      ctx.traffic.responseBytes = sentBodyBytes(this.inbound.method, ctx.response);
    }
    const body = this.inbound.body;
    const run = () => {
      for (const item of work) {
        try {
          const pending = item();
          if (pending !== undefined) {
            pending.catch((error: unknown) => this.logAfterSent(error));
          }
        } catch (error) {
          this.logAfterSent(error);
        }
      }
    };
    if (body.readableEnded || body.destroyed) {
      run();
    } else {
      finished(body, run);
    }
  }

  logAfterSent(error: unknown): void {
    this.options.logger.warn(
      `gateway ${this.service.name}: counting a call's bandwidth failed: ${error instanceof Error ? error.message : String(error)}`,
    );
  }

  /** Answers a call that failed: APIM's error for a {@link GatewayFailure}, a logged 500 for anything else. */
  fail(error: unknown): void {
    const { service, inbound, res, options } = this;
    if (!(error instanceof GatewayFailure)) {
      options.logger.error(
        `gateway ${service.name}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
      );
    }
    sendFailure(
      inbound.body,
      res,
      error instanceof GatewayFailure
        ? error
        : new GatewayFailure(500, 'Internal server error', { reason: 'Internal', source: 'gateway' }),
    );
    this.publish();
  }

  publish(): void {
    if (GATEWAY_CALLS.hasSubscribers) {
      const event: GatewayCallEvent = {
        service: this.service.name,
        api: this.api,
        product: this.product,
        status: this.res.statusCode,
      };
      GATEWAY_CALLS.publish(event);
    }
  }
}

function splitUrl(url: string): { path: string; query: URLSearchParams } {
  const index = url.indexOf('?');
  return index === -1
    ? { path: url, query: new URLSearchParams() }
    : { path: url.slice(0, index), query: new URLSearchParams(url.slice(index + 1)) };
}

function headerMap(raw: readonly string[]): Map<string, string[]> {
  const headers = new Map<string, string[]>();
  for (let i = 0; i < raw.length; i += 2) {
    const name = (raw[i] ?? '').toLowerCase();
    const value = raw[i + 1] ?? '';
    const list = headers.get(name);
    if (list === undefined) {
      headers.set(name, [value]);
    } else {
      list.push(value);
    }
  }
  return headers;
}

/**
 * The forwarded fields as the gateway vouches for them (decision 0084), before any policy runs (a
 * `set-header` may still change them): `X-Forwarded-Proto` and `-Host` say how the gateway was called;
 * `Forwarded`, `X-Real-IP` and the other unvouched client fields from the caller are dropped, since a
 * backend may trust them and the gateway cannot, and so is a caller's `x-portico-link-proof` (as every
 * proxy drops it, decision 0095); `X-Forwarded-For` keeps what the caller sent (the caller's address is appended on forwarding,
 * as API Management does), or behind a trusted proxy what that proxy reported before the client.
 */
function setForwardedFields(headers: Map<string, string[]>, inbound: GatewayInbound): void {
  headers.set('x-forwarded-proto', [inbound.forwardedProto]);
  headers.set('x-forwarded-host', [inbound.forwardedHost]);
  for (const name of UNVOUCHED_CLIENT_FIELDS) {
    headers.delete(name);
  }
  // Decision 0095: no proxy passes a proof on, so a backend never sees one to replay.
  headers.delete(LINK_PROOF_FIELD);
  // Only a name with an underscore can stand for one of them (most have none: no string made for them).
  for (const name of headers.keys()) {
    if (
      name.includes('_') &&
      (isUnderscoreForwardedField(name) || name.replaceAll('_', '-') === LINK_PROOF_FIELD)
    ) {
      headers.delete(name);
    }
  }
  const prior = inbound.priorForwardedFor;
  if (prior === undefined) {
    return;
  }
  if (prior === '') {
    headers.delete('x-forwarded-for');
  } else {
    headers.set('x-forwarded-for', [prior]);
  }
}

function isPreflight(method: string, headers: Map<string, string[]>): boolean {
  return method === 'OPTIONS' && headers.has('origin') && headers.has('access-control-request-method');
}

/**
 * Steps 1–5 of one call, up to the policies' end: sets `call.ctx` and answers undefined when they ran at
 * once, else a promise of their end (which rejects with an unexpected failure). Throws (synchronously) a
 * failure found before the policies wait for anything.
 */
function handle(call: GatewayCall): Promise<void> | undefined {
  const { service, inbound, options } = call;
  const { path: rawPath, query } = splitUrl(inbound.url);
  const path = resolvePath(rawPath);
  const found = path === undefined ? undefined : matchApi(service.apis, path);
  if (found === undefined) {
    throw NOT_FOUND;
  }
  call.api = found.api.api.id;
  const method = inbound.method.toUpperCase();
  const headers = headerMap(inbound.rawHeaders);
  setForwardedFields(headers, inbound);
  const parts: RequestParts = { method, headers, query };
  if (isPreflight(method, headers)) {
    const answered = answerPreflightCall(service, inbound, found, parts, options);
    if (answered !== undefined) {
      call.ctx = answered;
      return undefined;
    }
  }
  const op = matchOperation(found.api, found.apiPath, method, false, query);
  if (op === undefined) {
    throw NOT_FOUND;
  }
  const key = readKey(found.api.api, headers, query);
  const grant = decideAccess(service.access, found.api.api, key, inbound.knownKey);
  call.product = grant.product?.id ?? '';
  headers.delete(found.api.api.keyHeader);
  query.delete(found.api.api.keyQuery);
  const route: RouteMatch = {
    api: found.api,
    apiPath: found.apiPath,
    operation: op.operation,
    templateParameters: op.templateParameters,
  };
  const ctx = createContext(service, inbound, route, grant, parts, options);
  call.ctx = ctx;
  return runCall(service, ctx, op.operation, options);
}

/**
 * Step 2: answers a CORS preflight from the `cors` policy, before any key check: the context whose
 * response is the answer, or undefined when the policy has no `cors`.
 */
function answerPreflightCall(
  service: CompiledService,
  inbound: GatewayInbound,
  found: { api: CompiledApi; apiPath: string },
  parts: RequestParts,
  options: GatewayHandlerOptions,
): GatewayContext | undefined {
  const op = matchOperation(found.api, found.apiPath, parts.method, true, parts.query);
  const open = service.access.openProductOf.get(found.api.api.id);
  const route: RouteMatch = {
    api: found.api,
    apiPath: found.apiPath,
    operation: op?.operation,
    templateParameters: op?.templateParameters ?? {},
  };
  const grant: AccessGrant = { product: open, subscription: undefined, key: undefined };
  const ctx = createContext(service, inbound, route, grant, parts, options);
  const outcome = service.effective(open?.id, found.api.api.id, op?.operation.id);
  return outcome.ok && answerPreflight(outcome.policy, ctx) ? ctx : undefined;
}

function runCall(
  service: CompiledService,
  ctx: GatewayContext,
  operation: GatewayOperation,
  options: GatewayHandlerOptions,
): Promise<void> | undefined {
  const outcome = service.effective(ctx.call.product?.id, ctx.call.api.id, operation.id);
  if (!outcome.ok) {
    options.logger.error(`gateway ${service.name}: ${outcome.problem}`);
    throw new GatewayFailure(500, 'Internal server error', {
      reason: 'PolicyInvalid',
      source: 'configuration',
    });
  }
  return runPipeline(outcome.policy, ctx);
}

/** The request state of a call, read once. */
interface RequestParts {
  readonly method: string;
  readonly headers: Map<string, string[]>;
  readonly query: URLSearchParams;
}

function createContext(
  service: CompiledService,
  inbound: GatewayInbound,
  route: RouteMatch,
  grant: AccessGrant,
  parts: RequestParts,
  options: GatewayHandlerOptions,
): GatewayContext {
  const api = route.api.api;
  return new CallContext(
    inbound.requestId ?? options.requestId(),
    inbound.clientIp,
    {
      serviceName: service.name,
      serviceId: service.id,
      api,
      operation: route.operation,
      product: grant.product,
      subscription: grant.subscription,
      subscriptionKey: grant.key,
    },
    {
      method: parts.method,
      apiPath: route.apiPath,
      query: parts.query,
      headers: parts.headers,
      templateParameters: route.templateParameters,
      originalPath: inbound.url,
      body: inbound.body,
      hostOverride: undefined,
    },
    { baseUrl: api.serviceUrl, timeoutMs: options.timeoutMs ?? 300_000, followRedirects: false },
    options.deps,
  );
}

/** The state of one call; its variables map is made only when a policy sets one (most calls set none). */
class CallContext implements GatewayContext {
  readonly requestId: string;
  readonly clientIp: string;
  readonly startedAt: number;
  readonly call: CallIdentity;
  readonly request: GatewayRequest;
  readonly backend: GatewayBackend;
  response: GatewayResponse | undefined = undefined;
  lastError: LastError | undefined = undefined;
  deferred: (() => MaybePromise<void>)[] | undefined = undefined;
  traffic: CallTraffic | undefined = undefined;
  afterSent: (() => MaybePromise<void>)[] | undefined = undefined;
  readonly deps: GatewayDeps;
  #variables: Map<string, unknown> | undefined;

  constructor(
    requestId: string,
    clientIp: string,
    call: CallIdentity,
    request: GatewayRequest,
    backend: GatewayBackend,
    deps: GatewayDeps,
  ) {
    this.requestId = requestId;
    this.clientIp = clientIp;
    this.startedAt = deps.now();
    this.call = call;
    this.request = request;
    this.backend = backend;
    this.deps = deps;
  }

  get variables(): Map<string, unknown> {
    this.#variables ??= new Map();
    return this.#variables;
  }
}

/**
 * Writes a response made by the pipeline (an empty 200 when nothing set one): undefined once it is handed
 * over, or a promise that resolves when a backend body still arriving has been sent.
 */
function send(
  req: IncomingMessage,
  res: ServerResponse,
  response: GatewayResponse | undefined,
  traffic?: CallTraffic,
): Promise<void> | undefined {
  const answer = response ?? { status: 200, headers: new Map(), body: undefined };
  if (!req.readableEnded) {
    if (traffic !== undefined && !traffic.requestCounted) {
      // A body no backend call read is drained here; a bandwidth quota counts it all the same.
      traffic.requestCounted = true;
      req.on('data', (chunk: Buffer) => {
        traffic.requestBytes += chunk.length;
      });
    }
    req.resume();
  }
  const body = answer.body;
  if (res.headersSent) {
    dropBody(answer);
    return undefined;
  }
  try {
    setHead(res, answer);
  } catch (error) {
    dropBody(answer);
    throw error;
  }
  // 204 and 304 never have a body, nor a Content-Length that would promise one (RFC 9110 §8.6).
  if (req.method === 'HEAD' || body === undefined || answer.status === 204 || answer.status === 304) {
    dropBody(answer);
    res.end();
    return undefined;
  }
  if (isBackendBody(body)) {
    return body.sendTo(res);
  }
  if (!res.hasHeader('content-length')) {
    res.setHeader('content-length', Buffer.byteLength(body));
  }
  // As bytes: Node sends a head written with a string body in the body's encoding (UTF-8), which would
  // turn a Latin-1 reason phrase or header value (`Café`) into two bytes a character; with a Buffer the
  // head goes out as latin1, one byte a character.
  res.end(typeof body === 'string' ? Buffer.from(body) : body);
  return undefined;
}

/** The bytes of an answer's body written to the caller (none for HEAD, 204 and 304, as {@link send} writes). */
function sentBodyBytes(method: string, response: GatewayResponse | undefined): number {
  const body = response?.body;
  if (
    body === undefined ||
    method.toUpperCase() === 'HEAD' ||
    response?.status === 204 ||
    response?.status === 304
  ) {
    return 0;
  }
  return isBackendBody(body)
    ? body.sentBytes
    : typeof body === 'string'
      ? Buffer.byteLength(body)
      : body.length;
}

/** Sets the status and headers of an answer; throws when Node refuses a header value. */
function setHead(res: ServerResponse, answer: GatewayResponse): void {
  if (answer instanceof BackendResponse) {
    answer.setHeadersOn(res);
  } else {
    setHeadersOn(res, answer.headers);
  }
  res.statusCode = answer.status;
  if (answer.statusText !== undefined) {
    res.statusMessage = answer.statusText;
  }
}

/** Writes APIM's JSON error body. */
export function sendFailure(req: IncomingMessage, res: ServerResponse, failure: GatewayFailure): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify({ statusCode: failure.status, message: failure.message });
  // Headers of an answer that could not be written (a value Node refused) must not leak into this one;
  // the request id the host gave the call stays, as on every other answer.
  for (const name of res.getHeaderNames()) {
    if (name !== REQUEST_ID_HEADER) {
      res.removeHeader(name);
    }
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
