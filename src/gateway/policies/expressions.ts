/**
 * The policy expressions Portico evaluates: a fixed set of `@(context…)` accessors and, for
 * `increment-condition`, comparisons of `context.Response.StatusCode` joined by `&&` and `||`. Nothing
 * is ever evaluated as code; any other expression is refused when the policy is saved.
 */
import type { GatewayContext } from '../types.js';

/** A value computed per call. */
export type TextExpr = (ctx: GatewayContext) => string;

/** A condition computed per call. */
export type BoolExpr = (ctx: GatewayContext) => boolean;

/** The expressions Portico evaluates, as an error message lists them. */
export const SUPPORTED_EXPRESSIONS =
  '@(context.X) for X in Subscription.Id, Subscription.Key, Request.IpAddress, Request.Method, Api.Id, Operation.Id, Product.Id, RequestId, and @(context.Request.Headers.GetValueOrDefault("name", "default")) or Url.Query in place of Headers';

const ACCESSORS: Readonly<Record<string, TextExpr>> = {
  'context.Subscription.Id': (ctx) => ctx.call.subscription?.id ?? '',
  'context.Subscription.Key': (ctx) => ctx.call.subscriptionKey ?? '',
  'context.Request.IpAddress': (ctx) => ctx.clientIp,
  'context.Request.Method': (ctx) => ctx.request.method,
  'context.Api.Id': (ctx) => ctx.call.api.id,
  'context.Operation.Id': (ctx) => ctx.call.operation?.id ?? '',
  'context.Product.Id': (ctx) => ctx.call.product?.id ?? '',
  'context.RequestId': (ctx) => ctx.requestId,
};

const LOOKUP =
  /^context\.Request\.(Headers|Url\.Query)\.GetValueOrDefault\(\s*"([^"]{1,256})"\s*(?:,\s*"([^"]{0,256})"\s*)?\)$/;

/** True when a value is an expression (`@(…)` or `@{…}`). */
export function isExpression(value: string): boolean {
  return value.startsWith('@(') || value.startsWith('@{');
}

function inner(value: string): string | undefined {
  return value.startsWith('@(') && value.endsWith(')') ? value.slice(2, -1).trim() : undefined;
}

/** Compiles a text value: a literal, or a supported accessor; undefined for anything else. */
export function compileText(value: string): TextExpr | undefined {
  if (!isExpression(value)) {
    return () => value;
  }
  const body = inner(value);
  if (body === undefined) {
    return undefined;
  }
  const accessor = ACCESSORS[body];
  if (accessor !== undefined) {
    return accessor;
  }
  const lookup = LOOKUP.exec(body);
  if (lookup === null) {
    return undefined;
  }
  const [, source, name = '', fallback = ''] = lookup;
  if (source === 'Headers') {
    const lower = name.toLowerCase();
    return (ctx) => ctx.request.headers.get(lower)?.join(',') ?? fallback;
  }
  return (ctx) => ctx.request.query.get(name) ?? fallback;
}

const COMPARISON = /^context\.Response\.StatusCode\s*(==|!=|<=|>=|<|>)\s*(\d{1,3})$/;

function compileComparison(text: string): BoolExpr | undefined {
  const trimmed = text.trim();
  if (trimmed === 'true' || trimmed === 'false') {
    return () => trimmed === 'true';
  }
  const match = COMPARISON.exec(trimmed);
  if (match === null) {
    return undefined;
  }
  const limit = Number(match[2]);
  const status = (ctx: GatewayContext) => ctx.response?.status ?? 0;
  switch (match[1]) {
    case '==':
      return (ctx) => status(ctx) === limit;
    case '!=':
      return (ctx) => status(ctx) !== limit;
    case '<':
      return (ctx) => status(ctx) < limit;
    case '<=':
      return (ctx) => status(ctx) <= limit;
    case '>':
      return (ctx) => status(ctx) > limit;
    default:
      return (ctx) => status(ctx) >= limit;
  }
}

/** Compiles a condition: comparisons of the response status joined by `&&` and `||` (no parentheses). */
export function compileCondition(value: string): BoolExpr | undefined {
  const body = inner(value);
  if (body === undefined || body.includes('(')) {
    return undefined;
  }
  const alternatives: BoolExpr[][] = [];
  for (const part of body.split('||')) {
    const all = part.split('&&').map(compileComparison);
    if (all.some((expr) => expr === undefined)) {
      return undefined;
    }
    alternatives.push(all as BoolExpr[]);
  }
  return (ctx) => alternatives.some((all) => all.every((expr) => expr(ctx)));
}
