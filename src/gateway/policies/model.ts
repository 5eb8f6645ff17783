/**
 * The compiled form of policy documents and the helpers every policy kind parses with: attributes are
 * read with their defaults and checked, and each problem is recorded with the element's line.
 */
import { clip, quoteValue } from '../../shared/quote.js';
import {
  type CallTraffic,
  type GatewayContext,
  GatewayFailure,
  isPromiseLike,
  type PolicyScope,
  type PolicySection,
} from '../types.js';
import {
  type BoolExpr,
  compileCondition,
  compileText,
  isExpression,
  SUPPORTED_EXPRESSIONS,
  type TextExpr,
} from './expressions.js';
import {
  HEADER_NAME_RULE,
  headerValueProblem,
  isHeaderName,
  MAX_FINAL_STATUS,
  MIN_FINAL_STATUS,
} from './http-syntax.js';
import type { XmlElement } from './xml.js';

/** A problem of a policy document, at a line and column. */
export interface PolicyProblem {
  readonly line: number;
  readonly column: number;
  readonly message: string;
}

/** One compiled policy of a section. */
export interface Step {
  readonly name: string;
  run(ctx: GatewayContext): Promise<void> | void;
}

/** `<base/>`: the parent scope's same section goes here. */
export interface BaseStep {
  readonly name: 'base';
}

/** A parsed document: per section, its steps, or undefined when the section is absent (same as `<base/>`). */
export interface PolicyDocument {
  readonly scope: PolicyScope;
  readonly sections: Readonly<Partial<Record<PolicySection, readonly (Step | BaseStep)[]>>>;
}

/** The policies of one call, parents inlined. */
export interface EffectivePolicy {
  readonly inbound: readonly Step[];
  readonly backend: readonly Step[];
  readonly outbound: readonly Step[];
  readonly onError: readonly Step[];
}

/** Where an element is parsed, and where problems go. */
export interface ParseContext {
  readonly scope: PolicyScope;
  readonly section: PolicySection;
  readonly problems: PolicyProblem[];
  /**
   * The expressions the policy being parsed evaluates ({@link valueExpr}, {@link conditionExpr}): any
   * other `@(…)` or `@{…}` in it would be sent or compared as text, so it is refused (parse.ts).
   */
  readonly evaluated?: Set<string>;
  /**
   * The URL template of the operation a policy is saved for (operation scope, on save): the parameters a
   * `rewrite-uri` template may use are checked against it.
   */
  readonly operationTemplate?: string;
}

/** A policy kind: where it may appear, the attributes it takes, and how it compiles. */
export interface PolicyKind {
  readonly name: string;
  readonly sections: readonly PolicySection[];
  readonly scopes?: readonly PolicyScope[];
  readonly attributes: readonly string[];
  parse(element: XmlElement, p: ParseContext): Step | undefined;
}

/** The longest problem message kept: messages quote names and values from the document, cut short. */
const MAX_PROBLEM_CHARS = 400;

/** Records a problem at an element. */
export function problem(p: ParseContext, element: XmlElement, message: string): undefined {
  p.problems.push({ line: element.line, column: element.column, message: clip(message, MAX_PROBLEM_CHARS) });
  return undefined;
}

/** A string attribute; `fallback` when absent, a problem when required and absent. */
export function text(p: ParseContext, el: XmlElement, name: string, fallback?: string): string | undefined {
  const value = el.attributes.get(name);
  if (value === undefined && fallback === undefined) {
    return problem(p, el, `<${el.name}> needs the attribute ${name}.`);
  }
  return value ?? fallback;
}

/** A whole-number attribute within bounds. */
export function integer(
  p: ParseContext,
  el: XmlElement,
  name: string,
  bounds: { min: number; max?: number; fallback?: number },
): number | undefined {
  const raw = el.attributes.get(name);
  if (raw === undefined) {
    return bounds.fallback ?? problem(p, el, `<${el.name}> needs the attribute ${name} (a whole number).`);
  }
  const value = /^\s*\d{1,12}\s*$/.test(raw) ? Number(raw) : Number.NaN;
  if (!Number.isInteger(value) || value < bounds.min || (bounds.max !== undefined && value > bounds.max)) {
    const range = bounds.max === undefined ? `at least ${bounds.min}` : `from ${bounds.min} to ${bounds.max}`;
    return problem(p, el, `<${el.name}> ${name}="${raw}" must be a whole number ${range}.`);
  }
  return value;
}

/** A status a policy answers with: a whole number from 200 to 599 (a 1xx is not a final answer). */
export function finalStatus(
  p: ParseContext,
  el: XmlElement,
  name: string,
  fallback?: number,
): number | undefined {
  const value = integer(p, el, name, { min: 0, max: 999, ...(fallback === undefined ? {} : { fallback }) });
  if (value === undefined || (value >= MIN_FINAL_STATUS && value <= MAX_FINAL_STATUS)) {
    return value;
  }
  return problem(
    p,
    el,
    `<${el.name}> ${name}="${value}" must be an HTTP status from ${MIN_FINAL_STATUS} to ${MAX_FINAL_STATUS}${value < 200 ? ' (a 1xx status is interim: the caller would keep waiting for the real answer)' : ''}.`,
  );
}

/** A header name (an attribute or element text): an HTTP token, or a problem. */
export function headerName(p: ParseContext, el: XmlElement, name: string): string | undefined {
  return isHeaderName(name)
    ? name
    : problem(
        p,
        el,
        `<${el.name}>: ${quoteValue(name)} is not a valid header name; use ${HEADER_NAME_RULE}.`,
      );
}

/**
 * A header value: a literal is checked now; the result of an expression is checked per call, and a
 * value that cannot be sent ends the call with APIM's 500 (and a log line) instead of a broken response.
 */
export function headerValueExpr(
  p: ParseContext,
  el: XmlElement,
  raw: string,
  header: { readonly name: string; readonly policy: string },
): TextExpr | undefined {
  const bad = isExpression(raw) ? undefined : headerValueProblem(raw);
  if (bad !== undefined) {
    return problem(p, el, `<${header.policy}>: the value of the ${clip(header.name)} header ${bad}.`);
  }
  const expr = valueExpr(p, el, raw, '<value>');
  if (expr === undefined || !isExpression(raw)) {
    return expr;
  }
  const where = `<${header.policy}> in <${p.section}>`;
  return (ctx) => {
    const value = expr(ctx);
    const problemText = headerValueProblem(value);
    if (problemText !== undefined) {
      ctx.deps.logger.warn(
        `gateway ${ctx.call.serviceName}: request ${ctx.requestId} to API ${ctx.call.api.id} failed with 500: ${where}, the value of ${clip(raw)} for the ${header.name} header ${problemText}.`,
      );
      fail(500, 'Internal server error', 'ExpressionValueEvaluationFailure', header.policy);
    }
    return value;
  };
}

/** A true/false attribute. */
export function flag(p: ParseContext, el: XmlElement, name: string, fallback: boolean): boolean {
  const raw = el.attributes.get(name);
  if (raw === undefined) {
    return fallback;
  }
  if (raw !== 'true' && raw !== 'false') {
    problem(p, el, `<${el.name}> ${name}="${raw}" must be true or false.`);
    return fallback;
  }
  return raw === 'true';
}

/** One of a fixed set of values. */
export function choice<T extends string>(
  p: ParseContext,
  el: XmlElement,
  name: string,
  choices: readonly T[],
  fallback?: T,
): T | undefined {
  const raw = el.attributes.get(name);
  if (raw === undefined) {
    return fallback ?? problem(p, el, `<${el.name}> needs the attribute ${name} (${choices.join(' or ')}).`);
  }
  const found = choices.find((c) => c === raw);
  return found ?? problem(p, el, `<${el.name}> ${name}="${raw}" must be ${choices.join(' or ')}.`);
}

/** The child elements an element takes: each name with the attributes it may have. */
export type ChildSpec = Readonly<Record<string, readonly string[]>>;

/** How {@link childrenOf} checks the children besides their names and attributes. */
export interface ChildRules {
  /** Children that may appear once. */
  readonly once?: readonly string[];
  /** Children that hold elements of their own (checked by the caller); any other may hold text only. */
  readonly containers?: readonly string[];
  /** Attributes of a child Azure has and Portico does not run, with the reason told on save. */
  readonly unsupported?: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

/**
 * The child elements of `el` that `allowed` lists; every problem of a child is recorded with its line: a
 * name not listed, an attribute its entry does not list, a second one of those that may appear once, and
 * elements inside a child that holds text only. A document is never run with parts Portico would ignore.
 */
export function childrenOf(
  p: ParseContext,
  el: XmlElement,
  allowed: ChildSpec,
  rules: ChildRules = {},
): XmlElement[] {
  const names = Object.keys(allowed);
  const seen = new Set<string>();
  const kept: XmlElement[] = [];
  for (const child of el.children) {
    const attributes = Object.hasOwn(allowed, child.name) ? allowed[child.name] : undefined;
    if (attributes === undefined) {
      problem(
        p,
        child,
        `<${child.name}> is not supported inside <${el.name}>${names.length > 0 ? `; use ${names.map((a) => `<${a}>`).join(', ')}` : ''}.`,
      );
      continue;
    }
    if (rules.once?.includes(child.name) && seen.has(child.name)) {
      problem(p, child, `<${child.name}> may appear only once in <${el.name}>.`);
    }
    seen.add(child.name);
    checkChildAttributes(p, el, child, attributes, rules.unsupported?.[child.name]);
    if (!rules.containers?.includes(child.name)) {
      for (const inner of child.children) {
        problem(p, inner, `<${child.name}> in <${el.name}> holds text only, not <${inner.name}>.`);
      }
    }
    kept.push(child);
  }
  return kept;
}

function checkChildAttributes(
  p: ParseContext,
  parent: XmlElement,
  child: XmlElement,
  attributes: readonly string[],
  unsupported: Readonly<Record<string, string>> | undefined,
): void {
  for (const name of child.attributes.keys()) {
    const reason =
      unsupported !== undefined && Object.hasOwn(unsupported, name) ? unsupported[name] : undefined;
    if (reason !== undefined) {
      problem(p, child, reason);
    } else if (!attributes.includes(name)) {
      problem(
        p,
        child,
        `<${child.name}> in <${parent.name}> has no attribute ${clip(name, 60)}; ${attributes.length > 0 ? `it takes ${attributes.join(', ')}` : 'it takes no attributes'}.`,
      );
    }
  }
}

/** Work to do after the response is known (counting, response headers); run by the engine. */
type DeferredWork = () => Promise<void> | void;

/** Schedules work for after the outbound section. */
export function afterResponse(ctx: GatewayContext, work: DeferredWork): void {
  ctx.deferred ??= [];
  ctx.deferred.push(work);
}

/**
 * Runs and clears the deferred work of a call, in order. Undefined when it all ran at once (or there was
 * none); otherwise a promise of the rest, from the first work that had to wait.
 */
export function runDeferred(ctx: GatewayContext): Promise<void> | undefined {
  const list = ctx.deferred;
  if (list === undefined) {
    return undefined;
  }
  ctx.deferred = undefined;
  return runWork(list, 0);
}

function runWork(list: readonly DeferredWork[], from: number): Promise<void> | undefined {
  for (let index = from; index < list.length; index += 1) {
    const pending = (list[index] as DeferredWork)();
    if (isPromiseLike(pending)) {
      return pending.then(() => runWork(list, index + 1));
    }
  }
  return undefined;
}

/**
 * Starts counting the bytes of the call's bodies (a bandwidth quota): the backend call counts the
 * request body it sends, the handler the response body it writes and a request body it drains.
 */
export function measureTraffic(ctx: GatewayContext): CallTraffic {
  ctx.traffic ??= { requestBytes: 0, responseBytes: 0, requestCounted: false };
  return ctx.traffic;
}

/** Schedules work for once the answer has been sent and the request body read (run by the handler). */
export function afterSent(ctx: GatewayContext, work: DeferredWork): void {
  ctx.afterSent ??= [];
  ctx.afterSent.push(work);
}

/** Sets a response header once the response exists (after outbound). */
export function addResponseHeader(ctx: GatewayContext, name: string, value: string): void {
  afterResponse(ctx, () => {
    ctx.response?.headers.set(name.toLowerCase(), [value]);
  });
}

/** A value that may be a supported expression; a problem names an unsupported one. */
export function valueExpr(p: ParseContext, el: XmlElement, raw: string, what: string): TextExpr | undefined {
  p.evaluated?.add(raw);
  const expr = compileText(raw);
  return (
    expr ??
    problem(
      p,
      el,
      `The expression in ${what} of <${el.name}> is not supported: ${raw.slice(0, 60)}. Portico evaluates only ${SUPPORTED_EXPRESSIONS}.`,
    )
  );
}

/** A condition (`increment-condition`); undefined when it is not one Portico evaluates. */
export function conditionExpr(p: ParseContext, raw: string): BoolExpr | undefined {
  p.evaluated?.add(raw);
  return compileCondition(raw);
}

/** Throws an APIM error (`{"statusCode", "message"}`) from a policy. */
export function fail(
  status: number,
  message: string,
  reason: string,
  source: string,
  headers?: Record<string, string>,
): never {
  throw new GatewayFailure(status, message, {
    reason,
    source,
    ...(headers === undefined ? {} : { headers }),
  });
}
