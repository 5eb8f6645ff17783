/**
 * The shared vocabulary of the gateway data plane (spec/apim.md): the snapshot of one API Management
 * service the gateway serves from, the mutable state of one call that policies read and change, and the
 * services policies call (counters, JWT validation, forwarding). Parts of the gateway depend on these
 * types, never on each other's internals.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../shared/logger.js';

/** Where a policy document is attached, broad to narrow (spec/apim.md §2). */
export type PolicyScope = 'global' | 'product' | 'api' | 'operation';

/** The sections of a policy document, in execution order. */
export type PolicySection = 'inbound' | 'backend' | 'outbound' | 'on-error';

/** Subscription states (spec/apim.md §1.1); only `active` opens the gateway. */
export type SubscriptionState = 'active' | 'suspended' | 'submitted' | 'rejected' | 'cancelled' | 'expired';

/** An API of the snapshot. */
export interface GatewayApi {
  readonly id: string;
  /** The URL suffix, without leading or trailing slash (`''` for the root). */
  readonly path: string;
  /** Absolute backend base URL, e.g. `http://127.0.0.1:7071/api`. */
  readonly serviceUrl: string;
  readonly protocols: readonly string[];
  readonly subscriptionRequired: boolean;
  /** Lower-case header name of the key (default `ocp-apim-subscription-key`). */
  readonly keyHeader: string;
  /** Query parameter name of the key (default `subscription-key`). */
  readonly keyQuery: string;
  readonly operations: readonly GatewayOperation[];
}

/** An operation of an API. */
export interface GatewayOperation {
  readonly id: string;
  /** Upper-case method, or `*` for any. */
  readonly method: string;
  /** `/users/{id}/orders`: relative to the API path. */
  readonly urlTemplate: string;
}

/** A product of the snapshot. */
export interface GatewayProduct {
  readonly id: string;
  readonly subscriptionRequired: boolean;
  readonly apiIds: ReadonlySet<string>;
}

/** What a subscription gives access to. */
export type SubscriptionScope =
  | { readonly kind: 'all' }
  | { readonly kind: 'api'; readonly apiId: string }
  | { readonly kind: 'product'; readonly productId: string };

/** A subscription of the snapshot, with its keys in clear (the snapshot never leaves the process). */
export interface GatewaySubscription {
  readonly id: string;
  readonly scope: SubscriptionScope;
  readonly state: SubscriptionState;
  readonly primaryKey: string;
  readonly secondaryKey: string;
  /**
   * When the subscription was created (ISO 8601): a subscription deleted and created again under the same
   * name is another one, and starts with fresh rate-limit and quota counters, as in Azure.
   */
  readonly createdAt: string;
}

/** The identity of a call as policies see it (`context.Api`, `context.Operation`, …). */
export interface CallIdentity {
  readonly serviceName: string;
  /**
   * The service's internal id, which a service deleted and created again under the same name does not
   * keep: counters are keyed by it, so the new service starts with fresh ones.
   */
  readonly serviceId: string;
  readonly api: GatewayApi;
  readonly operation: GatewayOperation | undefined;
  /** The product whose context the call runs in, if any (spec/apim.md §1.2). */
  readonly product: GatewayProduct | undefined;
  readonly subscription: GatewaySubscription | undefined;
  /** The key the caller sent, when it was valid. */
  readonly subscriptionKey: string | undefined;
}

/** Request state that policies read and change before it is forwarded. */
export interface GatewayRequest {
  method: string;
  /** The path after the API suffix, raw (not decoded), starting with `/`: what `rewrite-uri` replaces. */
  apiPath: string;
  /** Query parameters; `set-query-parameter` changes them, the key parameter is removed before forwarding. */
  readonly query: URLSearchParams;
  /** Lower-case header names → values. */
  readonly headers: Map<string, string[]>;
  /** Values of the operation's URL template parameters (`{id}` → `42`), decoded. */
  readonly templateParameters: Readonly<Record<string, string>>;
  /** The original path the caller sent, raw. */
  readonly originalPath: string;
  /** The body stream of the caller's request. */
  readonly body: IncomingMessage;
  /**
   * The `Host` an inbound `set-header` gave the backend call (APIM's way to reach a backend that routes
   * by host name); undefined: the backend's own host, as undici sends it. The caller's `Host` never goes.
   */
  hostOverride: string | undefined;
}

/** Where the call goes. */
export interface GatewayBackend {
  /** Absolute base URL; `set-backend-service` replaces it. */
  baseUrl: string;
  /** Limit of the backend call in ms (`forward-request timeout`). */
  timeoutMs: number;
  followRedirects: boolean;
}

/**
 * The body of a backend's answer, still on the backend connection while the outbound policies run
 * (decision 0034). Exactly one of its methods is called: the gateway sends it or drops it.
 */
export interface BackendBody {
  /**
   * Writes the body into `res`, whose status and headers are set, and ends it: undefined when that was
   * done at once (the body had ended), otherwise a promise that resolves when `res` closes.
   */
  sendTo(res: ServerResponse): Promise<void> | undefined;
  /** Drops the body (another answer replaced it, or the answer has none); the connection stays usable. */
  discard(): void;
  /** The bytes of the body written to the caller so far (what a bandwidth quota counts). */
  readonly sentBytes: number;
}

/** A response, from the backend or made by a policy. */
export interface GatewayResponse {
  status: number;
  /** Lower-case header names → values. */
  readonly headers: Map<string, string[]>;
  /** Absent for an empty body; a {@link BackendBody} when it comes from the backend. */
  body: Buffer | string | BackendBody | undefined;
  /** The status line's reason phrase (`set-status reason`); Node's standard one when absent. */
  readonly statusText?: string;
}

/**
 * A value, or a promise of it: what the gateway's services answer when they can often answer at once (a
 * cached key set, an in-memory counter) and sometimes must wait (a first fetch, Redis). A caller goes on
 * synchronously when it has the value, so a call that waits for nothing creates no promise (decision 0037).
 */
export type MaybePromise<T> = T | Promise<T>;

/** True when `value` is a promise (or another thenable) rather than the value itself. */
export function isPromiseLike<T>(value: MaybePromise<T>): value is Promise<T> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}

/** True when a response body is the backend's, still to be sent or dropped. */
export function isBackendBody(body: GatewayResponse['body']): body is BackendBody {
  return body !== undefined && typeof body !== 'string' && !Buffer.isBuffer(body);
}

/** `context.LastError` (spec/apim.md §1.3). */
export interface LastError {
  readonly source: string;
  readonly reason: string;
  readonly message: string;
  readonly section: PolicySection;
  readonly policyId?: string;
}

/** The state of one call through the gateway. */
export interface GatewayContext {
  readonly requestId: string;
  /** The caller's IP address, as seen on the socket. */
  readonly clientIp: string;
  /** Milliseconds since the epoch when the call arrived. */
  readonly startedAt: number;
  readonly call: CallIdentity;
  readonly request: GatewayRequest;
  readonly backend: GatewayBackend;
  /** Set by `forward-request`, `return-response`, `mock-response` or an error; sent when the pipeline ends. */
  response: GatewayResponse | undefined;
  /** Variables set by policies (`retry-after-variable-name`, `output-token-variable-name`, …). */
  readonly variables: Map<string, unknown>;
  lastError: LastError | undefined;
  /**
   * Work the policies scheduled for after the outbound section (`afterResponse`), run and cleared by the
   * engine; undefined while there is none. It lives on the call: a long-lived map keyed by calls would
   * make every scavenge trace the young calls it holds.
   */
  deferred: (() => MaybePromise<void>)[] | undefined;
  /**
   * The bytes of the call's bodies, counted only when a bandwidth quota asked for them
   * (`measureTraffic`); undefined otherwise, so other calls count nothing.
   */
  traffic: CallTraffic | undefined;
  /**
   * Work for once the answer has been sent and the request body read (a bandwidth quota counts the
   * bytes then), run by the handler; undefined while there is none.
   */
  afterSent: (() => MaybePromise<void>)[] | undefined;
  readonly deps: GatewayDeps;
}

/** The body bytes of one call, as they pass (a bandwidth quota counts both). */
export interface CallTraffic {
  /** Bytes of the caller's request body read so far (sent to the backend, or drained). */
  requestBytes: number;
  /** Bytes of the response body written to the caller. */
  responseBytes: number;
  /** True once something counts the request body as it is read (the backend call's reader). */
  requestCounted: boolean;
}

/**
 * Thrown by a policy to end the call with an APIM error body `{"statusCode": N, "message": "…"}`; the
 * engine records it as `context.LastError`, runs `on-error`, and sends it unless `on-error` answered.
 */
export class GatewayFailure extends Error {
  readonly status: number;
  /** LastError reason, e.g. `SubscriptionKeyNotFound`, `RateLimitExceeded`, `TokenNotPresent`. */
  readonly reason: string;
  /** LastError source, e.g. `validate-jwt`, `configuration`, `forward-request`. */
  readonly source: string;
  /** Extra response headers (`Retry-After`, `WWW-Authenticate`). */
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    status: number,
    message: string,
    details: { reason: string; source: string; headers?: Readonly<Record<string, string>> },
  ) {
    super(message);
    this.name = 'GatewayFailure';
    this.status = status;
    this.reason = details.reason;
    this.source = details.source;
    this.headers = details.headers ?? {};
  }
}

/** Services the policies use; provided by the host of the gateway. */
export interface GatewayDeps {
  readonly counters: CounterStore;
  readonly jwt: JwtValidator;
  /** Calls the backend with the current request state and sets `ctx.response` (its body held on the backend connection). */
  forward(ctx: GatewayContext, options: ForwardOptions): Promise<void>;
  /** Milliseconds since the epoch (a seam for tests). */
  now(): number;
  /** Where policies report calls they had to fail for a reason the caller is not told (a bad expression value). */
  readonly logger: Pick<Logger, 'warn'>;
}

/** Options of one backend call (`forward-request`). */
export interface ForwardOptions {
  readonly timeoutMs: number;
  readonly followRedirects: boolean;
  /** With `fail-on-error-status-code`, a 4xx/5xx answer becomes an error that runs `on-error`. */
  readonly failOnErrorStatusCode: boolean;
}

/** The answer of a counter that admits or refuses a call. */
export interface CounterDecision {
  readonly allowed: boolean;
  /** Calls (or KB) left in the window after this one; 0 when refused. */
  readonly remaining: number;
  /** Whole seconds until the call would be admitted again (≥ 1 when refused, 0 when allowed). */
  readonly retryAfterSeconds: number;
}

/**
 * Counters of `rate-limit*` and `quota*` (spec/apim.md §5.1: atomic, rejected calls never counted). In
 * memory for one node, which answers at once; Redis (or the primary of `--workers`) when several processes
 * share the work, which answers with a promise.
 */
export interface CounterStore {
  /**
   * Sliding-window rate limit: admits and counts `count` calls when the window holds fewer than `limit`
   * after adding them; otherwise counts nothing.
   */
  takeRate(key: string, limit: number, windowSeconds: number, count: number): MaybePromise<CounterDecision>;
  /** Whether a call would be admitted by {@link takeRate}, without counting it (for `increment-condition`). */
  peekRate(key: string, limit: number, windowSeconds: number): MaybePromise<CounterDecision>;
  /** Counts `count` calls in the sliding window regardless of the limit (after an `increment-condition`). */
  addRate(key: string, windowSeconds: number, count: number): MaybePromise<void>;
  /**
   * Fixed-window quota: admits and counts `amount` when the period's total stays within `limit`. A
   * `periodSeconds` of 0 means the counter never renews. `periodStart` (ms) anchors the windows.
   */
  takeQuota(
    key: string,
    limit: number,
    periodSeconds: number,
    amount: number,
    periodStart: number,
  ): MaybePromise<CounterDecision>;
  /** Whether the quota still has room, without counting. */
  peekQuota(
    key: string,
    limit: number,
    periodSeconds: number,
    periodStart: number,
  ): MaybePromise<CounterDecision>;
  /** Counts `amount` (calls or KB) in the current period regardless of the limit. */
  addQuota(key: string, periodSeconds: number, amount: number, periodStart: number): MaybePromise<void>;
  close(): Promise<void>;
}

/** A signing key written in a policy (`issuer-signing-keys/key`). */
export type JwtKeySpec =
  | { readonly kind: 'base64'; readonly value: string; readonly id?: string }
  | { readonly kind: 'rsa'; readonly n: string; readonly e: string; readonly id?: string };

/** A `required-claims/claim` rule. */
export interface RequiredClaim {
  readonly name: string;
  readonly match: 'all' | 'any';
  readonly separator?: string;
  readonly values: readonly string[];
}

/** What `validate-jwt` checks (spec/apim.md §2.1). */
export interface JwtRules {
  readonly openidConfigUrls: readonly string[];
  readonly signingKeys: readonly JwtKeySpec[];
  readonly audiences: readonly string[];
  readonly issuers: readonly string[];
  readonly requiredClaims: readonly RequiredClaim[];
  readonly requireExpirationTime: boolean;
  readonly requireSignedTokens: boolean;
  readonly clockSkewSeconds: number;
}

/** The outcome of a JWT validation; a failure carries APIM's message without the `Access denied.` tail. */
export type JwtOutcome =
  | { readonly ok: true; readonly claims: Readonly<Record<string, unknown>> }
  | { readonly ok: false; readonly reason: string; readonly message: string };

/**
 * Validates tokens, caching openid-config documents and JWKS (spec/apim.md §2.1, §5.4). The outcome comes
 * at once when nothing has to be fetched or verified again (keys loaded, token verified before).
 */
export interface JwtValidator {
  validate(token: string, rules: JwtRules): MaybePromise<JwtOutcome>;
}
