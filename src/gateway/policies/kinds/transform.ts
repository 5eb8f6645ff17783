/** Request and response rewriting: `set-header`, `set-query-parameter`, `rewrite-uri`, `set-backend-service`. */
import { clip, quoteValue } from '../../../shared/quote.js';
import { templateParameterNames } from '../../matching.js';
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
  const values = childrenOf(p, el, { value: [] }).map((value) =>
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

/** A `{name}` placeholder of a `rewrite-uri` template. */
const PLACEHOLDER = /\{([A-Za-z_][A-Za-z0-9_-]*)\}/g;

/**
 * A template parameter's value as a path segment: percent-encoded, and a value of `.` or `..` encoded
 * twice (`%252E%252E`). URL parsers and normalizing servers read `..` and `%2E%2E` alike as "the parent
 * segment", so a caller's `?q=..` would otherwise move the backend call out of the API's path
 * (decision 0108). In the template's query part a value is only percent-encoded: there `..` is text.
 */
export function pathValue(value: string): string {
  return value === '.' || value === '..' ? value.replaceAll('.', '%252E') : encodeURIComponent(value);
}

/** `text` before and after the first `separator` (all of it and '' without one). */
function splitOnce(text: string, separator: string): [string, string] {
  const index = text.indexOf(separator);
  return index === -1 ? [text, ''] : [text.slice(0, index), text.slice(index + 1)];
}

/** What `rewrite-uri` reads of an operation's URL template. */
interface TemplateFacts {
  /** The parameters the template gives a value (path, and bound to a query parameter). */
  readonly parameters: ReadonlySet<string>;
  /** The query parameter names of the template (`/get?a={b}`: `a`), which are never copied. */
  readonly queryNames: ReadonlySet<string>;
}

const NO_TEMPLATE: TemplateFacts = { parameters: new Set(), queryNames: new Set() };

/** Per operation of the snapshot (a new snapshot has new operation objects). */
const templateFacts = new WeakMap<object, TemplateFacts>();

function factsOf(operation: { readonly urlTemplate: string } | undefined): TemplateFacts {
  if (operation === undefined) {
    return NO_TEMPLATE;
  }
  let facts = templateFacts.get(operation);
  if (facts === undefined) {
    const index = operation.urlTemplate.indexOf('?');
    facts = {
      parameters: templateParameterNames(operation.urlTemplate),
      queryNames: new Set(
        index === -1 ? [] : [...new URLSearchParams(operation.urlTemplate.slice(index + 1)).keys()],
      ),
    };
    templateFacts.set(operation, facts);
  }
  return facts;
}

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
    const placeholders = [...new Set([...template.matchAll(PLACEHOLDER)].map((m) => m[1] ?? ''))];
    if (p.operationTemplate !== undefined) {
      const known = templateParameterNames(p.operationTemplate);
      const unknown = placeholders.filter((name) => !known.has(name));
      if (unknown.length > 0) {
        return problem(
          p,
          el,
          `<rewrite-uri template="${clip(template, 80)}"> uses ${unknown.map((n) => `{${clip(n, 40)}}`).join(', ')}, which the operation's URL template ${quoteValue(p.operationTemplate)} does not have: rewrite-uri can use only the operation's template parameters (${known.size === 0 ? 'it has none' : [...known].map((n) => `{${n}}`).join(', ')}), as in Azure; to send a value of your own, write it as text or add a query parameter with set-query-parameter.`,
        );
      }
    }
    const where = `<rewrite-uri template="${clip(template, 80)}"> in <${p.section}> at ${p.scope} scope`;
    const [pathTemplate = '/', searchTemplate = ''] = splitOnce(template, '?');
    return {
      name: 'rewrite-uri',
      run(ctx) {
        const parameters = ctx.request.templateParameters;
        const facts = factsOf(ctx.call.operation);
        const fill = (part: string, encode: (value: string) => string) =>
          part.replace(PLACEHOLDER, (_, name: string) => {
            const value = parameters[name];
            if (value !== undefined) {
              return encode(value);
            }
            // A query parameter of the template that the caller left out gives an empty value; a name
            // the operation does not have at all (a policy above it, written for other operations)
            // fails closed.
            if (!facts.parameters.has(name)) {
              ctx.deps.logger.warn(
                `gateway ${ctx.call.serviceName}: request ${ctx.requestId} to API ${ctx.call.api.id} failed with 500: ${where} uses {${name}}, which operation ${ctx.call.operation?.id ?? '(none)'} (${ctx.call.operation?.urlTemplate ?? 'no template'}) does not have.`,
              );
              fail(500, 'Internal server error', 'ExpressionValueEvaluationFailure', 'rewrite-uri');
            }
            return '';
          });
        // Only a value in the path is guarded against `..`; in the query it is a plain value, encoded
        // once (as Azure sends it), which URLSearchParams decodes below.
        const path = fill(pathTemplate, pathValue);
        const search = fill(searchTemplate, encodeURIComponent);
        const query = ctx.request.query;
        if (copy) {
          // As in Azure, only the parameters the operation's template does not name are copied.
          for (const name of facts.queryNames) {
            query.delete(name);
          }
        } else {
          for (const name of [...query.keys()]) {
            query.delete(name);
          }
        }
        for (const [name, value] of new URLSearchParams(search)) {
          query.set(name, value);
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
