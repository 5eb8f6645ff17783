/** Responses made by policies and the backend call: `return-response`, `mock-response`, `forward-request`. */
import type { GatewayResponse } from '../../types.js';
import type { TextExpr } from '../expressions.js';
import { headerValueProblem } from '../http-syntax.js';
import {
  childrenOf,
  choice,
  finalStatus,
  flag,
  headerName,
  headerValueExpr,
  integer,
  type ParseContext,
  type PolicyKind,
  problem,
  text,
} from '../model.js';
import type { XmlElement } from '../xml.js';

/** Thrown by `return-response`: the call ends now with this response (remaining policies are skipped). */
export class ReturnResponse extends Error {
  override readonly name = 'ReturnResponse';
  readonly response: GatewayResponse;
  constructor(response: GatewayResponse) {
    super('return-response');
    this.response = response;
  }
}

interface HeaderSetter {
  readonly name: string;
  readonly action: 'override' | 'skip' | 'append' | 'delete';
  readonly values: readonly TextExpr[];
}

function headerSetters(p: ParseContext, elements: readonly XmlElement[]): HeaderSetter[] {
  return elements.flatMap((el): HeaderSetter[] => {
    const raw = text(p, el, 'name');
    const name = raw === undefined ? undefined : headerName(p, el, raw);
    const action = choice(
      p,
      el,
      'exists-action',
      ['override', 'skip', 'append', 'delete'] as const,
      'override',
    );
    const values = childrenOf(p, el, { value: [] }).map((value) =>
      headerValueExpr(p, value, value.text, { name: name ?? '', policy: 'return-response' }),
    );
    return name === undefined || action === undefined || values.some((v) => v === undefined)
      ? []
      : [{ name: name.toLowerCase(), action, values: values as TextExpr[] }];
  });
}

/** The `set-body` attributes Azure has and Portico does not run: the body would be sent not as meant. */
const SET_BODY_UNSUPPORTED: Readonly<Record<string, string>> = {
  template:
    '<set-body template="…"> is not supported by Portico\'s gateway: a Liquid template (template="liquid") would be sent as it is written, not rendered. Write the body as it should be sent, without the template attribute.',
  'xsi-nil':
    "<set-body xsi-nil> is not supported by Portico's gateway; leave out <set-body> for an empty body.",
  'parse-date':
    "<set-body parse-date> is not supported by Portico's gateway (it applies to Liquid templates).",
};

/** `set-status reason`: sent as the status line's reason phrase, so it must be one (no line break). */
function reasonPhrase(p: ParseContext, el: XmlElement): string | undefined {
  const reason = el.attributes.get('reason');
  const bad = reason === undefined ? undefined : headerValueProblem(reason);
  return bad === undefined ? reason : problem(p, el, `<set-status> reason ${bad}.`);
}

export const returnResponse: PolicyKind = {
  name: 'return-response',
  sections: ['inbound', 'backend', 'outbound', 'on-error'],
  attributes: ['response-variable-name'],
  parse(el, p) {
    if (el.attributes.has('response-variable-name')) {
      return problem(
        p,
        el,
        '<return-response response-variable-name> is not supported (Portico has no send-request); use <set-status>, <set-header> and <set-body>.',
      );
    }
    const children = childrenOf(
      p,
      el,
      { 'set-status': ['code', 'reason'], 'set-header': ['name', 'exists-action'], 'set-body': [] },
      {
        once: ['set-status', 'set-body'],
        containers: ['set-header'],
        unsupported: { 'set-body': SET_BODY_UNSUPPORTED },
      },
    );
    const statusElement = children.find((child) => child.name === 'set-status');
    const status = statusElement === undefined ? 200 : finalStatus(p, statusElement, 'code');
    const reason = statusElement === undefined ? undefined : reasonPhrase(p, statusElement);
    const headers = headerSetters(
      p,
      children.filter((child) => child.name === 'set-header'),
    );
    const body = children.find((child) => child.name === 'set-body')?.text;
    if (status === undefined) {
      return undefined;
    }
    return {
      name: 'return-response',
      run(ctx) {
        const map = new Map<string, string[]>();
        for (const header of headers) {
          if (header.action !== 'delete') {
            map.set(
              header.name,
              header.values.map((value) => value(ctx)),
            );
          }
        }
        throw new ReturnResponse({
          status,
          headers: map,
          body: body ?? undefined,
          ...(reason === undefined ? {} : { statusText: reason }),
        });
      },
    };
  },
};

export const mockResponse: PolicyKind = {
  name: 'mock-response',
  sections: ['inbound', 'outbound', 'on-error'],
  attributes: ['status-code', 'content-type'],
  parse(el, p) {
    const status = finalStatus(p, el, 'status-code', 200) ?? 200;
    // Azure's default is none: the content type comes with an example or schema, which Portico has not.
    const contentType = el.attributes.get('content-type');
    childrenOf(p, el, {});
    return {
      name: 'mock-response',
      run() {
        // As in Azure, the call ends here ("cancels normal pipeline execution"), like return-response:
        // no backend call, no outbound. Portico keeps no API schemas or examples: the body is empty.
        const headers = new Map<string, string[]>();
        if (contentType !== undefined) {
          headers.set('content-type', [contentType]);
        }
        throw new ReturnResponse({ status, headers, body: undefined });
      },
    };
  },
};

export const forwardRequest: PolicyKind = {
  name: 'forward-request',
  sections: ['backend'],
  attributes: [
    'timeout',
    'follow-redirects',
    'buffer-request-body',
    'buffer-response',
    'fail-on-error-status-code',
    'http-version',
  ],
  parse(el, p) {
    const timeout = integer(p, el, 'timeout', { min: 1, max: 3600, fallback: 300 }) ?? 300;
    if (flag(p, el, 'follow-redirects', false)) {
      problem(
        p,
        el,
        '<forward-request follow-redirects="true"> is not supported: backend redirects are returned to the caller.',
      );
    }
    flag(p, el, 'buffer-request-body', false);
    flag(p, el, 'buffer-response', true);
    const failOnErrorStatusCode = flag(p, el, 'fail-on-error-status-code', false);
    childrenOf(p, el, {});
    return {
      name: 'forward-request',
      run: (ctx) =>
        ctx.deps.forward(ctx, { timeoutMs: timeout * 1000, followRedirects: false, failOnErrorStatusCode }),
    };
  },
};
