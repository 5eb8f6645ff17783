/**
 * A linked site's `/api` into a gateway served by this same process, without the loopback hop (decision
 * 0027). The gateway gets exactly the call the hop would have carried: the headers the edge's proxy
 * builds for its upstream (`createUpstreamHeaders`: the client's fields, `x-ms-*`, forwarded fields, the
 * site's token and the link's subscription key), the rewritten path, the request id, and the node's
 * loopback address as the caller; with them, the link's key and its digest, so the gateway does not hash
 * the key on every call. Then the gateway's own pipeline (the function its listener calls) answers on the
 * site's response. The edge's refusals (declared body over the limit), its API timeout and its `apiCall`
 * events stay as they were around the hop.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  checkProxyRequest,
  createUpstreamHeaders,
  DEFAULT_MAX_BODY_BYTES,
  type ProxyTarget,
  sendProxyError,
} from '../edge/index.js';
import type { GatewayInbound, KnownKey } from '../gateway/index.js';
import { PorticoError } from '../shared/errors.js';
import { type ApiCallEvent, eventChannel } from '../shared/events.js';
import type { Logger } from '../shared/logger.js';
import { onResponseClose } from '../shared/response-close.js';

/** Runs one call through the pipeline of a gateway this process serves. */
export type LocalGatewayCall = (inbound: GatewayInbound, res: ServerResponse) => Promise<void>;

/** The gateways of this process, as the linked sites see them. */
export interface LocalGateways {
  /** The pipeline entry of the gateway with this host, or undefined when this process does not serve it. */
  resolve(hostname: string): LocalGatewayCall | undefined;
}

/** How a linked environment calls its gateway in process. */
export interface InProcessGatewayOptions {
  readonly gateways: LocalGateways;
  /** The gateway's host (`contoso.azure-api.localhost`). */
  readonly hostname: string;
  /** The address the gateway saw the site call from over the hop: the node's loopback address. */
  readonly callerAddress: string;
  /** The API timeout of the edge (D10): after it, `500 Backend call failure` as over the hop. */
  readonly timeoutMs: number;
  readonly logger: Logger;
  /** The link's subscription key, hashed once: the gateway looks keys up by their digest. */
  readonly knownKey?: KnownKey;
}

type Outcome = Extract<ApiCallEvent, { phase: 'end' }>['outcome'];

const START_EVENT: ApiCallEvent = Object.freeze({ phase: 'start' });

/** The `apiCall` channel, looked up once: an event is built only when someone listens. */
const API_CALLS = eventChannel('apiCall');

/** The edge's body limit, as the HTTP hop's proxy applied it. */
const PROXY_LIMITS = Object.freeze({ maxBodyBytes: DEFAULT_MAX_BODY_BYTES });

/**
 * Forwards `req` (with the host's `extraHeaders` in `target`) to the gateway in process. Answers
 * undefined, having done nothing, when this process does not serve the gateway: the caller then uses the
 * HTTP hop. The promise never rejects.
 */
export function forwardInProcess(
  options: InProcessGatewayOptions,
  req: IncomingMessage,
  res: ServerResponse,
  target: ProxyTarget,
): Promise<void> | undefined {
  const call = options.gateways.resolve(options.hostname);
  if (call === undefined) {
    return undefined;
  }
  const refusal = checkProxyRequest(req, PROXY_LIMITS);
  if (refusal !== undefined) {
    sendProxyError(req, res, refusal);
    return Promise.resolve();
  }
  return new InProcessCall(options, req, res).run(call, {
    method: req.method ?? 'GET',
    url: target.pathAndQuery,
    rawHeaders: createUpstreamHeaders(req, target, options.hostname),
    clientIp: options.callerAddress,
    forwardedProto: target.forwardedProto,
    forwardedHost: target.forwardedHost,
    priorForwardedFor: undefined,
    body: req,
    requestId: target.requestId,
    knownKey: options.knownKey,
  });
}

/**
 * One call under the edge's timeout, reported as an `/api` call (`portico_api_*` metrics). A class, not
 * closures: one object per call. Whichever of the gateway's end, the timeout or the client going away
 * comes first finishes the call; what comes later is ignored.
 */
class InProcessCall {
  readonly #options: InProcessGatewayOptions;
  readonly #req: IncomingMessage;
  readonly #res: ServerResponse;
  readonly #startedAt = performance.now();
  #inbound: GatewayInbound | undefined;
  #timer: NodeJS.Timeout | undefined;
  #done = false;

  constructor(options: InProcessGatewayOptions, req: IncomingMessage, res: ServerResponse) {
    this.#options = options;
    this.#req = req;
    this.#res = res;
  }

  run(call: LocalGatewayCall, inbound: GatewayInbound): Promise<void> {
    this.#inbound = inbound;
    this.#timer = setTimeout(onTimeout, this.#options.timeoutMs, this);
    // A close after the call finished finds it done.
    onResponseClose(this.#res, () => this.#closed());
    if (API_CALLS.hasSubscribers) {
      API_CALLS.publish(START_EVENT);
    }
    return call(inbound, this.#res).then(() => {
      this.#finish('ok');
    });
  }

  #finish(outcome: Outcome): boolean {
    if (this.#done) {
      return false;
    }
    this.#done = true;
    clearTimeout(this.#timer);
    if (API_CALLS.hasSubscribers) {
      const event: ApiCallEvent = {
        phase: 'end',
        outcome,
        seconds: (performance.now() - this.#startedAt) / 1000,
      };
      API_CALLS.publish(event);
    }
    return true;
  }

  #closed(): void {
    if (!this.#res.writableFinished) {
      this.#finish('aborted');
    }
  }

  /** The edge's API timeout: `500 Backend call failure`, as over the hop. */
  timedOut(): void {
    if (!this.#finish('timeout')) {
      return;
    }
    const { hostname, timeoutMs, logger } = this.#options;
    const inbound = this.#inbound;
    logger.warn(
      `/api ${inbound?.method} ${inbound?.url.split('?', 1)[0] ?? ''}: the gateway ${hostname} did not answer within ${timeoutMs} ms`,
    );
    sendProxyError(
      this.#req,
      this.#res,
      new PorticoError('PROXY_BACKEND_TIMEOUT', `The /api backend did not answer within ${timeoutMs} ms.`),
    );
  }
}

/** The timer's callback: a function of the module, given the call, so no closure is made per call. */
function onTimeout(call: InProcessCall): void {
  call.timedOut();
}
