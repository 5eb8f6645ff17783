/**
 * `rate-limit`, `rate-limit-by-key`, `quota`, `quota-by-key` (spec/apim.md §1.3, §2.1): atomic counters
 * that never count refused calls, 429 / 403 with APIM's messages and `Retry-After`. The rate limits go on
 * synchronously when the counter store answers at once (the memory store), without a promise per call.
 */
import {
  type CounterDecision,
  type GatewayContext,
  type GatewaySubscription,
  isPromiseLike,
  type PolicyScope,
} from '../../types.js';
import type { BoolExpr, TextExpr } from '../expressions.js';
import {
  addResponseHeader,
  afterResponse,
  afterSent,
  childrenOf,
  conditionExpr,
  fail,
  headerName,
  integer,
  measureTraffic,
  type ParseContext,
  type PolicyKind,
  problem,
  text,
  valueExpr,
} from '../model.js';
import type { XmlElement } from '../xml.js';
import { CounterKeys } from './_counter-keys.js';

const RATE_ATTRIBUTES = [
  'calls',
  'renewal-period',
  'retry-after-header-name',
  'retry-after-variable-name',
  'remaining-calls-header-name',
  'remaining-calls-variable-name',
  'total-calls-header-name',
];

interface RateOptions {
  readonly calls: number;
  readonly period: number;
  readonly retryHeader: string;
  readonly retryVariable?: string;
  readonly remainingHeader?: string;
  readonly remainingVariable?: string;
  readonly totalHeader?: string;
}

function rateOptions(p: ParseContext, el: XmlElement): RateOptions | undefined {
  const calls = integer(p, el, 'calls', { min: 1, max: 1_000_000_000 });
  const period = integer(p, el, 'renewal-period', { min: 1, max: 300 });
  childrenOf(p, el, {});
  if (calls === undefined || period === undefined) {
    return undefined;
  }
  const optional = (name: string) => el.attributes.get(name);
  const header = (name: string) => {
    const value = optional(name);
    return value === undefined ? undefined : headerName(p, el, value);
  };
  return {
    calls,
    period,
    retryHeader: header('retry-after-header-name') ?? 'Retry-After',
    ...pick('retryVariable', optional('retry-after-variable-name')),
    ...pick('remainingHeader', header('remaining-calls-header-name')),
    ...pick('remainingVariable', optional('remaining-calls-variable-name')),
    ...pick('totalHeader', header('total-calls-header-name')),
  };
}

function pick<K extends string>(key: K, value: string | undefined): { [P in K]?: string } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: string };
}

function report(ctx: GatewayContext, options: RateOptions, remaining: number): void {
  if (options.remainingHeader !== undefined) {
    addResponseHeader(ctx, options.remainingHeader, String(remaining));
  }
  if (options.totalHeader !== undefined) {
    addResponseHeader(ctx, options.totalHeader, String(options.calls));
  }
  if (options.remainingVariable !== undefined) {
    ctx.variables.set(options.remainingVariable, remaining);
  }
}

function refuseRate(ctx: GatewayContext, options: RateOptions, retryAfter: number): never {
  if (options.retryVariable !== undefined) {
    ctx.variables.set(options.retryVariable, retryAfter);
  }
  fail(
    429,
    `Rate limit is exceeded. Try again in ${retryAfter} seconds.`,
    'RateLimitExceeded',
    'rate-limit',
    { [options.retryHeader]: String(retryAfter) },
  );
}

/** Refuses the call (429) unless the counter admitted it, then reports what is left. */
function admitRate(ctx: GatewayContext, options: RateOptions, decision: CounterDecision): void {
  if (!decision.allowed) {
    refuseRate(ctx, options, decision.retryAfterSeconds);
  }
  report(ctx, options, decision.remaining);
}

/**
 * `rate-limit-by-key` after its counter answered: refuses (429) unless admitted; with an
 * `increment-condition`, counts the call after the response when the condition holds.
 */
function admitKeyed(
  ctx: GatewayContext,
  options: RateOptions,
  keyed: KeyedOptions,
  key: string,
  decision: CounterDecision,
): void {
  if (!decision.allowed) {
    refuseRate(ctx, options, decision.retryAfterSeconds);
  }
  const condition = keyed.condition;
  if (condition !== undefined) {
    const counters = ctx.deps.counters;
    afterResponse(ctx, () =>
      condition(ctx) ? counters.addRate(key, options.period, keyed.count) : undefined,
    );
  }
  report(ctx, options, decision.remaining);
}

/**
 * The counter identity of a subscription: its service's id and its own creation time besides its name, so
 * a service or subscription deleted and created again under the same names starts with fresh counters.
 */
function subscriptionKey(ctx: GatewayContext, subscription: GatewaySubscription): string {
  return `${ctx.call.serviceId}:${subscription.id}:${subscription.createdAt}`;
}

/**
 * The counter of a per-subscription limit, as Azure keeps it: the subscription and the scope the policy
 * is attached to (the product, API or operation instance), never the policy's place in its document, so
 * an edit of the document (a comment, another policy above it, a new limit) keeps the count. A scope's
 * document holds one `rate-limit` and one `quota` at most (parse.ts), and product, API and operation
 * limits count apart, as Azure applies them "independently".
 */
function scopeKey(ctx: GatewayContext, scope: PolicyScope): string {
  const owner =
    scope === 'product'
      ? ctx.call.product?.id
      : scope === 'global'
        ? ''
        : scope === 'api'
          ? ctx.call.api.id
          : `${ctx.call.api.id}/${ctx.call.operation?.id}`;
  return `${scope}:${owner}`;
}

/**
 * Where a subscription's quota periods start: its creation (Azure: "relative to the start time of the
 * subscription"), so a period of a day renews at the hour the subscription was made, not at midnight UTC.
 */
function subscriptionStart(subscription: GatewaySubscription): number {
  const start = Date.parse(subscription.createdAt);
  return Number.isNaN(start) ? 0 : start;
}

export const rateLimit: PolicyKind = {
  name: 'rate-limit',
  sections: ['inbound'],
  scopes: ['product', 'api', 'operation'],
  attributes: RATE_ATTRIBUTES,
  parse(el, p) {
    const options = rateOptions(p, el);
    const scope = p.scope;
    return options === undefined
      ? undefined
      : {
          name: 'rate-limit',
          run(ctx) {
            const subscription = ctx.call.subscription;
            if (subscription === undefined) {
              return;
            }
            const key = `rate:${subscriptionKey(ctx, subscription)}:${scopeKey(ctx, scope)}`;
            const decision = ctx.deps.counters.takeRate(key, options.calls, options.period, 1);
            return isPromiseLike(decision)
              ? decision.then((taken) => admitRate(ctx, options, taken))
              : admitRate(ctx, options, decision);
          },
        };
  },
};

interface KeyedOptions {
  readonly counterKey: TextExpr;
  readonly condition?: BoolExpr;
  readonly count: number;
}

function keyedOptions(p: ParseContext, el: XmlElement): KeyedOptions | undefined {
  const raw = text(p, el, 'counter-key');
  const counterKey = raw === undefined ? undefined : valueExpr(p, el, raw, 'counter-key');
  const rawCondition = el.attributes.get('increment-condition');
  const condition = rawCondition === undefined ? undefined : conditionExpr(p, rawCondition);
  if (rawCondition !== undefined && condition === undefined) {
    problem(
      p,
      el,
      `increment-condition="${rawCondition.slice(0, 80)}" is not supported: use comparisons of context.Response.StatusCode joined by && or ||, e.g. @(context.Response.StatusCode >= 200 && context.Response.StatusCode < 300).`,
    );
  }
  const count = integer(p, el, 'increment-count', { min: 1, max: 1_000_000, fallback: 1 }) ?? 1;
  return counterKey === undefined
    ? undefined
    : { counterKey, count, ...(condition === undefined ? {} : { condition }) };
}

export const rateLimitByKey: PolicyKind = {
  name: 'rate-limit-by-key',
  sections: ['inbound'],
  attributes: [...RATE_ATTRIBUTES, 'counter-key', 'increment-condition', 'increment-count'],
  parse(el, p) {
    const options = rateOptions(p, el);
    const keyed = keyedOptions(p, el);
    if (options === undefined || keyed === undefined) {
      return undefined;
    }
    const keys = new CounterKeys('ratekey');
    return {
      name: 'rate-limit-by-key',
      run(ctx) {
        const key = keys.of(ctx.call.serviceId, keyed.counterKey(ctx));
        const counters = ctx.deps.counters;
        const decision =
          keyed.condition === undefined
            ? counters.takeRate(key, options.calls, options.period, keyed.count)
            : counters.peekRate(key, options.calls, options.period);
        return isPromiseLike(decision)
          ? decision.then((taken) => admitKeyed(ctx, options, keyed, key, taken))
          : admitKeyed(ctx, options, keyed, key, decision);
      },
    };
  },
};

interface QuotaOptions {
  readonly calls?: number;
  readonly kilobytes?: number;
  readonly period: number;
}

function quotaOptions(p: ParseContext, el: XmlElement, minPeriod: number): QuotaOptions | undefined {
  const calls = el.attributes.has('calls')
    ? integer(p, el, 'calls', { min: 1, max: 2_000_000_000 })
    : undefined;
  const kilobytes = el.attributes.has('bandwidth')
    ? integer(p, el, 'bandwidth', { min: 1, max: 300_000_000_000 })
    : undefined;
  if (calls === undefined && kilobytes === undefined) {
    return problem(p, el, `<${el.name}> needs calls, bandwidth (KB), or both.`);
  }
  childrenOf(p, el, {});
  const period = integer(p, el, 'renewal-period', { min: 0, max: 31_536_000 * 10 });
  if (period !== undefined && period !== 0 && period < minPeriod) {
    return problem(
      p,
      el,
      `<${el.name}> renewal-period must be 0 (never renews) or at least ${minPeriod} seconds.`,
    );
  }
  return period === undefined
    ? undefined
    : {
        period,
        ...(calls === undefined ? {} : { calls }),
        ...(kilobytes === undefined ? {} : { kilobytes }),
      };
}

function replenishedIn(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return [h, m, s].map((n) => String(n).padStart(2, '0')).join(':');
}

function refuseQuota(kind: 'call volume' | 'bandwidth', retryAfter: number): never {
  fail(
    403,
    `Out of ${kind} quota. Quota will be replenished in ${replenishedIn(retryAfter)}.`,
    'QuotaExceeded',
    'quota',
    { 'Retry-After': String(retryAfter) },
  );
}

/**
 * Counts a quota: calls now (only when admitted); bandwidth, the bytes of both bodies as they were
 * actually read and written (a chunked body has no Content-Length to trust), once the answer is sent.
 */
async function takeQuota(
  ctx: GatewayContext,
  key: string,
  options: QuotaOptions,
  start: number,
  keyed?: { readonly condition?: BoolExpr; readonly count: number },
): Promise<void> {
  const condition = keyed?.condition;
  const count = keyed?.count ?? 1;
  const counters = ctx.deps.counters;
  if (options.calls !== undefined) {
    const decision =
      condition === undefined
        ? await counters.takeQuota(`${key}:calls`, options.calls, options.period, count, start)
        : await counters.peekQuota(`${key}:calls`, options.calls, options.period, start);
    if (!decision.allowed) {
      refuseQuota('call volume', decision.retryAfterSeconds);
    }
    if (condition !== undefined) {
      afterResponse(ctx, () =>
        condition(ctx) ? counters.addQuota(`${key}:calls`, options.period, count, start) : undefined,
      );
    }
  }
  if (options.kilobytes !== undefined) {
    const decision = await counters.peekQuota(`${key}:kb`, options.kilobytes, options.period, start);
    if (!decision.allowed) {
      refuseQuota('bandwidth', decision.retryAfterSeconds);
    }
    const traffic = measureTraffic(ctx);
    // Decided once the call is answered (a refused call counts nothing), counted once its bytes are known.
    afterResponse(ctx, () => {
      if (condition === undefined || condition(ctx)) {
        afterSent(ctx, () =>
          counters.addQuota(
            `${key}:kb`,
            options.period,
            (traffic.requestBytes + traffic.responseBytes) / 1024,
            start,
          ),
        );
      }
    });
  }
}

export const quota: PolicyKind = {
  name: 'quota',
  sections: ['inbound'],
  scopes: ['product'],
  attributes: ['calls', 'bandwidth', 'renewal-period'],
  parse(el, p) {
    const options = quotaOptions(p, el, 0);
    return options === undefined
      ? undefined
      : {
          name: 'quota',
          async run(ctx) {
            const subscription = ctx.call.subscription;
            if (subscription !== undefined) {
              await takeQuota(
                ctx,
                `quota:${subscriptionKey(ctx, subscription)}:${scopeKey(ctx, 'product')}`,
                options,
                subscriptionStart(subscription),
              );
            }
          },
        };
  },
};

export const quotaByKey: PolicyKind = {
  name: 'quota-by-key',
  sections: ['inbound'],
  attributes: [
    'calls',
    'bandwidth',
    'renewal-period',
    'counter-key',
    'increment-condition',
    'increment-count',
    'first-period-start',
  ],
  parse(el, p) {
    const options = quotaOptions(p, el, 300);
    const keyed = keyedOptions(p, el);
    const startText = el.attributes.get('first-period-start');
    const start = startText === undefined ? 0 : Date.parse(startText);
    if (Number.isNaN(start)) {
      problem(
        p,
        el,
        `first-period-start="${startText}" must be an ISO 8601 date and time, e.g. 2026-01-01T00:00:00Z.`,
      );
    }
    if (options === undefined || keyed === undefined || Number.isNaN(start)) {
      return undefined;
    }
    const keys = new CounterKeys('quotakey');
    return {
      name: 'quota-by-key',
      run: (ctx) => takeQuota(ctx, keys.of(ctx.call.serviceId, keyed.counterKey(ctx)), options, start, keyed),
    };
  },
};
