/** Request and response rewriting: `set-header`, `set-query-parameter`, `rewrite-uri`, `set-backend-service`. */
import { clip } from '../../../shared/quote.js';
import type { GatewayContext } from '../../types.js';
import { isExpression, type TextExpr } from '../expressions.js';
import { isHttpUrl } from '../http-syntax.js';
import {
  childrenOf,
  choice,
  fail,
  flag,
  headerName,
  headerValueExpr,
  type ParseContext,
  type PolicyKind,
  problem,
  type Step,
  text,
  valueExpr,
} from '../model.js';
import type { XmlElement } from '../xml.js';

/** Headers APIM does not let policies change (spec/apim.md §2.1). */
const PROTECTED_HEADERS = new Set(['connection', 'content-length', 'keep-alive', 'transfer-encoding']);

type ExistsAction = 'override' | 'skip' | 'append' | 'delete';

interface Setter {
  readonly name: string;
  readonly action: ExistsAction;
  readonly values: readonly TextExpr[];
}

/** A `set-header` or `set-query-parameter`; a header's name and literal values are checked for HTTP. */
function setterOf(p: ParseContext, el: XmlElement, isHeader: boolean): Setter | undefined {
  const raw = text(p, el, 'name');
  const name = raw === undefined || !isHeader ? raw : headerName(p, el, raw);
  const action = choice(
    p,
    el,
    'exists-action',
    ['override', 'skip', 'append', 'delete'] as const,
    'override',
  );
  const values = childrenOf(p, el, ['value']).map((value) =>
    isHeader
      ? headerValueExpr(p, value, value.text, { name: name ?? '', policy: el.name })
      : valueExpr(p, value, value.text, '<value>'),
  );
  if (name === undefined || action === undefined || values.some((v) => v === undefined)) {
    return undefined;
  }
  if (action !== 'delete' && values.length === 0) {
    return problem(
      p,
      el,
      `<${el.name} name="${name}"> needs at least one <value> (or exists-action="delete").`,
    );
  }
  return { name, action, values: values as TextExpr[] };
}

/** Applies a setter to a multi-valued map (headers) or query parameters. */
function apply(current: string[] | undefined, setter: Setter, ctx: GatewayContext): string[] | undefined {
  const values = setter.values.map((value) => value(ctx));
  switch (setter.action) {
    case 'delete':
      return undefined;
    case 'skip':
      return current ?? values;
    case 'append':
      return [...(current ?? []), ...values];
    default:
      return values;
  }
}

export const setHeader: PolicyKind = {
  name: 'set-header',
  sections: ['inbound', 'backend', 'outbound', 'on-error'],
  attributes: ['name', 'exists-action'],
  parse(el, p) {
    const setter = setterOf(p, el, true);
    if (setter !== undefined && PROTECTED_HEADERS.has(setter.name.toLowerCase())) {
      return problem(
        p,
        el,
        `<set-header> cannot change the ${setter.name} header (Connection, Content-Length, Keep-Alive and Transfer-Encoding are managed by the gateway).`,
      );
    }
    const onResponse = p.section === 'outbound' || p.section === 'on-error';
    return setter === undefined
      ? undefined
      : {
          name: 'set-header',
          run(ctx) {
            const headers = onResponse ? ctx.response?.headers : ctx.request.headers;
            if (headers === undefined) {
              return;
            }
            const key = setter.name.toLowerCase();
            const next = apply(headers.get(key), setter, ctx);
            if (next === undefined) {
              headers.delete(key);
            } else {
              headers.set(key, next);
            }
            if (key === 'host' && !onResponse && setter.action !== 'skip') {
              ctx.request.hostOverride = next?.[0];
            }
          },
        };
  },
};

export const setQueryParameter: PolicyKind = {
  name: 'set-query-parameter',
  sections: ['inbound', 'backend'],
  attributes: ['name', 'exists-action'],
  parse(el, p) {
    const setter = setterOf(p, el, false);
    return setter === undefined
      ? undefined
      : {
          name: 'set-query-parameter',
          run(ctx) {
            const query = ctx.request.query;
            const current = query.has(setter.name) ? query.getAll(setter.name) : undefined;
            const next = apply(current, setter, ctx);
            query.delete(setter.name);
            for (const value of next ?? []) {
              query.append(setter.name, value);
            }
          },
        };
  },
};

export const rewriteUri: PolicyKind = {
  name: 'rewrite-uri',
  sections: ['inbound'],
  attributes: ['template', 'copy-unmatched-params'],
  parse(el, p): Step | undefined {
    const template = text(p, el, 'template');
    const copy = flag(p, el, 'copy-unmatched-params', true);
    if (template === undefined) {
      return undefined;
    }
    if (isExpression(template) || !template.startsWith('/')) {
      return problem(
        p,
        el,
        `<rewrite-uri template="${template.slice(0, 80)}"> must be a path template starting with /, such as /v2/orders/{id}.`,
      );
    }
    return {
      name: 'rewrite-uri',
      run(ctx) {
        const filled = template.replace(/\{([A-Za-z_][A-Za-z0-9_-]*)\}/g, (_, name: string) =>
          encodeURIComponent(ctx.request.templateParameters[name] ?? ctx.request.query.get(name) ?? ''),
        );
        const [path = '/', search = ''] = filled.split('?', 2);
        const added = new URLSearchParams(search);
        if (!copy) {
          for (const name of [...ctx.request.query.keys()]) {
            ctx.request.query.delete(name);
          }
        }
        for (const [name, value] of added) {
          ctx.request.query.set(name, value);
        }
        ctx.request.apiPath = path;
      },
    };
  },
};

export const setBackendService: PolicyKind = {
  name: 'set-backend-service',
  sections: ['inbound', 'backend'],
  attributes: ['base-url', 'backend-id'],
  parse(el, p) {
    if (el.attributes.has('backend-id')) {
      return problem(
        p,
        el,
        '<set-backend-service backend-id> is not supported (Portico has no backend entities); use base-url="https://…".',
      );
    }
    const raw = text(p, el, 'base-url');
    if (raw === undefined) {
      return undefined;
    }
    if (!isExpression(raw) && !/^https?:\/\/[^\s/]+/.test(raw)) {
      return problem(
        p,
        el,
        `<set-backend-service base-url="${raw.slice(0, 80)}"> must be an absolute http(s) URL.`,
      );
    }
    const url = valueExpr(p, el, raw, 'base-url');
    const where = `<set-backend-service> in <${p.section}>`;
    return url === undefined
      ? undefined
      : {
          name: 'set-backend-service',
          run(ctx) {
            const value = url(ctx);
            if (!isHttpUrl(value)) {
              ctx.deps.logger.warn(
                `gateway ${ctx.call.serviceName}: request ${ctx.requestId} to API ${ctx.call.api.id} failed with 500: ${where}, ${clip(raw)} did not give an absolute http(s) URL.`,
              );
              fail(500, 'Internal server error', 'ExpressionValueEvaluationFailure', 'set-backend-service');
            }
            ctx.backend.baseUrl = value;
          },
        };
  },
};
