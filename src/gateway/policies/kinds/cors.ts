/**
 * `cors` (spec/apim.md §2.1, §5.5): a preflight is answered from the policy before any key check; an
 * actual request from an allowed origin gets the CORS response headers.
 */
import type { GatewayContext } from '../../types.js';
import {
  addResponseHeader,
  childrenOf,
  flag,
  headerName,
  integer,
  type ParseContext,
  type PolicyKind,
  problem,
  type Step,
} from '../model.js';
import type { XmlElement } from '../xml.js';
import { ReturnResponse } from './responses.js';

/** A compiled `cors` policy. */
export interface CorsRules {
  readonly origins: readonly string[];
  readonly methods: readonly string[];
  readonly headers: readonly string[];
  readonly expose: readonly string[];
  readonly credentials: boolean;
  readonly maxAge: number | undefined;
}

/** The cors step: its rules are read by the preflight answer. */
export interface CorsStep extends Step {
  readonly cors: CorsRules;
}

function listOf(p: ParseContext, parent: XmlElement | undefined, child: string): string[] {
  return parent === undefined ? [] : childrenOf(p, parent, { [child]: [] }).map((el) => el.text);
}

/** Header or method names: each must be an HTTP token (they are written into response headers). */
function tokensOf(p: ParseContext, parent: XmlElement | undefined, child: string): string[] {
  return parent === undefined
    ? []
    : childrenOf(p, parent, { [child]: [] }).flatMap((el) => headerName(p, el, el.text) ?? []);
}

function allowedOrigin(rules: CorsRules, origin: string): string | undefined {
  if (rules.origins.includes('*')) {
    return rules.credentials ? origin : '*';
  }
  return rules.origins.some((allowed) => allowed.toLowerCase() === origin.toLowerCase()) ? origin : undefined;
}

/** Answers a preflight from the rules (an unmatched one is answered without CORS headers). */
export function answerCorsPreflight(rules: CorsRules, ctx: GatewayContext): void {
  const origin = ctx.request.headers.get('origin')?.[0] ?? '';
  const method = (ctx.request.headers.get('access-control-request-method')?.[0] ?? '').toUpperCase();
  const asked = (ctx.request.headers.get('access-control-request-headers')?.[0] ?? '')
    .split(',')
    .map((h) => h.trim().toLowerCase())
    .filter((h) => h !== '');
  const allowOrigin = allowedOrigin(rules, origin);
  const methods = rules.methods.length === 0 ? ['GET', 'POST'] : rules.methods;
  const methodOk = methods.includes('*') || methods.includes(method);
  const headersOk =
    rules.headers.includes('*') ||
    asked.every((h) => rules.headers.some((allowed) => allowed.toLowerCase() === h));
  const headers = new Map<string, string[]>();
  if (allowOrigin !== undefined && methodOk && headersOk) {
    headers.set('access-control-allow-origin', [allowOrigin]);
    headers.set('access-control-allow-methods', [methods.includes('*') ? method : methods.join(',')]);
    if (asked.length > 0) {
      headers.set('access-control-allow-headers', [asked.join(',')]);
    }
    if (rules.credentials) {
      headers.set('access-control-allow-credentials', ['true']);
    }
    if (rules.maxAge !== undefined) {
      headers.set('access-control-max-age', [String(rules.maxAge)]);
    }
    if (allowOrigin !== '*') {
      headers.set('vary', ['Origin']);
    }
  }
  ctx.response = { status: 200, headers, body: undefined };
}

export const cors: PolicyKind = {
  name: 'cors',
  sections: ['inbound'],
  attributes: ['allow-credentials', 'terminate-unmatched-request'],
  parse(el, p): CorsStep | undefined {
    const lists = ['allowed-origins', 'allowed-methods', 'allowed-headers', 'expose-headers'];
    const children = childrenOf(
      p,
      el,
      {
        'allowed-origins': [],
        'allowed-methods': ['preflight-result-max-age'],
        'allowed-headers': [],
        'expose-headers': [],
      },
      { containers: lists, once: lists },
    );
    const find = (name: string) => children.find((child) => child.name === name);
    const methodsElement = find('allowed-methods');
    const rules: CorsRules = {
      origins: listOf(p, find('allowed-origins'), 'origin'),
      methods: tokensOf(p, methodsElement, 'method').map((m) => m.toUpperCase()),
      headers: tokensOf(p, find('allowed-headers'), 'header'),
      expose: tokensOf(p, find('expose-headers'), 'header'),
      credentials: flag(p, el, 'allow-credentials', false),
      maxAge:
        methodsElement === undefined
          ? undefined
          : integer(p, methodsElement, 'preflight-result-max-age', { min: 0, max: 86_400, fallback: -1 }),
    };
    const terminate = flag(p, el, 'terminate-unmatched-request', true);
    if (rules.origins.length === 0) {
      return problem(
        p,
        el,
        '<cors> needs <allowed-origins> with at least one <origin> (* or scheme://host[:port]).',
      );
    }
    if (rules.credentials && rules.origins.includes('*')) {
      return problem(p, el, '<cors allow-credentials="true"> cannot allow the origin *; list the origins.');
    }
    const normalized = { ...rules, maxAge: rules.maxAge === -1 ? undefined : rules.maxAge };
    return {
      name: 'cors',
      cors: normalized,
      run(ctx) {
        const origin = ctx.request.headers.get('origin')?.[0];
        const allow = origin === undefined ? undefined : allowedOrigin(normalized, origin);
        if (allow === undefined) {
          // A simple cross-origin GET or HEAD from an origin not allowed ends here with an empty 200, as
          // in APIM (terminate-unmatched-request, true by default): the backend is not called.
          const simple = ctx.request.method === 'GET' || ctx.request.method === 'HEAD';
          if (origin !== undefined && terminate && simple) {
            throw new ReturnResponse({ status: 200, headers: new Map(), body: undefined });
          }
          return;
        }
        addResponseHeader(ctx, 'access-control-allow-origin', allow);
        if (normalized.credentials) {
          addResponseHeader(ctx, 'access-control-allow-credentials', 'true');
        }
        if (normalized.expose.length > 0) {
          addResponseHeader(ctx, 'access-control-expose-headers', normalized.expose.join(','));
        }
      },
    };
  },
};
