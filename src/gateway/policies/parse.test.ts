/**
 * Policy documents as APIM checks them on save: well-formedness with positions, sections, supported
 * policies per section and scope, attributes and their values, expressions, named values; composition
 * of the four scopes with `<base/>`; and random damage to valid documents never throwing.
 * @see spec/apim.md §2
 */
import { describe, expect, it } from 'vitest';
import type { GatewayContext, PolicyScope } from '../types.js';
import { composePolicies } from './compose.js';
import { compileCondition, compileText } from './expressions.js';
import type { PolicyDocument } from './model.js';
import { parsePolicyDocument, referencedNamedValues, substituteNamedValues } from './parse.js';
import { escapeRawXml, toRawXml } from './raw-xml.js';
import { POLICY_KINDS } from './registry.js';

function problemsOf(xml: string, scope: PolicyScope = 'api'): string[] {
  const result = parsePolicyDocument(xml, scope);
  return result.ok ? [] : result.problems.map((p) => `${p.line}:${p.column} ${p.message}`);
}

function documentOf(xml: string, scope: PolicyScope): PolicyDocument {
  const result = parsePolicyDocument(xml, scope);
  if (!result.ok) {
    throw new Error(`unexpected problems: ${JSON.stringify(result.problems)}`);
  }
  return result.document;
}

const inbound = (body: string) => `<policies>\n  <inbound>\n    ${body}\n  </inbound>\n</policies>`;

/** One valid example of every supported policy, in a section where it belongs. */
const EXAMPLES: Record<string, string> = {
  'validate-jwt': inbound(
    '<validate-jwt header-name="Authorization"><openid-config url="https://login.example/.well-known/openid-configuration" /><audiences><audience>api://x</audience></audiences><required-claims><claim name="roles" match="any"><value>admin</value></claim></required-claims></validate-jwt>',
  ),
  'check-header': inbound(
    '<check-header name="X-Tenant" failed-check-httpcode="403" ignore-case="true"><value>a</value></check-header>',
  ),
  'ip-filter': inbound(
    '<ip-filter action="allow"><address>10.0.0.1</address><address-range from="192.168.0.1" to="192.168.0.9" /></ip-filter>',
  ),
  'rate-limit': inbound('<rate-limit calls="5" renewal-period="60" />'),
  'rate-limit-by-key': inbound(
    '<rate-limit-by-key calls="5" renewal-period="60" counter-key="@(context.Request.IpAddress)" increment-condition="@(context.Response.StatusCode >= 200 &amp;&amp; context.Response.StatusCode &lt; 300)" />',
  ),
  quota: inbound('<quota calls="100" renewal-period="3600" />'),
  'quota-by-key': inbound(
    '<quota-by-key calls="100" bandwidth="2048" renewal-period="3600" counter-key="@(context.Subscription.Id)" first-period-start="2026-01-01T00:00:00Z" />',
  ),
  'set-header': inbound('<set-header name="X-A" exists-action="append"><value>1</value></set-header>'),
  'set-query-parameter': inbound(
    '<set-query-parameter name="v" exists-action="skip"><value>2</value></set-query-parameter>',
  ),
  'rewrite-uri': inbound('<rewrite-uri template="/v2/{id}?x=1" copy-unmatched-params="false" />'),
  'set-backend-service': inbound('<set-backend-service base-url="http://127.0.0.1:9/api" />'),
  cors: inbound(
    '<cors allow-credentials="true"><allowed-origins><origin>https://a.example</origin></allowed-origins><allowed-methods preflight-result-max-age="60"><method>GET</method></allowed-methods><allowed-headers><header>x-a</header></allowed-headers><expose-headers><header>x-b</header></expose-headers></cors>',
  ),
  'return-response': inbound(
    '<return-response><set-status code="418" reason="teapot" /><set-header name="X-R"><value>1</value></set-header><set-body>short</set-body></return-response>',
  ),
  'mock-response': inbound('<mock-response status-code="204" content-type="text/plain" />'),
  'forward-request':
    '<policies><backend><forward-request timeout="5" fail-on-error-status-code="true" /></backend></policies>',
};

describe('parsePolicyDocument', () => {
  it('accepts a valid example of every supported policy (and there is one for each)', () => {
    expect(Object.keys(EXAMPLES).sort()).toEqual([...POLICY_KINDS.keys()].sort());
    for (const [name, xml] of Object.entries(EXAMPLES)) {
      expect(problemsOf(xml, name === 'quota' ? 'product' : 'api'), name).toEqual([]);
    }
  });

  it('reports malformed XML with the line and column of the fault', () => {
    const [first] = problemsOf('<policies>\n  <inbound>\n  </inboud>\n</policies>');
    expect(first).toMatch(/^3:\d+ The policy is not well-formed XML: .+[^.]\.$/);
    expect(problemsOf('')[0]).toContain('not well-formed');
    expect(problemsOf('<policies><inbound></policies>')[0]).toContain('not well-formed');
    const quoted = problemsOf(
      inbound(
        '<rate-limit-by-key calls="5" renewal-period="60" counter-key="@(context.Request.Headers.GetValueOrDefault("X-Client","anon"))" />',
      ),
    )[0];
    expect(quoted).toContain('write " inside it as &quot;, or put the attribute in single quotes');
  });

  it('reads rawxml expressions as written (<, && and quotes), as Azure quota-by-key docs write them', () => {
    const raw = inbound(
      '<quota-by-key calls="10" renewal-period="300" counter-key="@(context.Request.Headers.GetValueOrDefault("X-Client", "anon"))" increment-condition="@(context.Response.StatusCode >= 200 && context.Response.StatusCode < 400)" />',
    );
    const rawProblems = (format: 'xml' | 'rawxml') => {
      const result = parsePolicyDocument(raw, 'api', format);
      return result.ok ? [] : result.problems.map((p) => `${p.line}:${p.column} ${p.message}`);
    };
    expect(rawProblems('rawxml')).toEqual([]);
    // In format xml the same text is refused, and the message says how to send it.
    expect(rawProblems('xml')[0]).toContain('send the policy with format "rawxml"');
  });

  it('points a rawxml problem at the expression, at its place in the text as written', () => {
    const problemsIn = (xml: string) => {
      const result = parsePolicyDocument(xml, 'api', 'rawxml');
      return result.ok ? [] : result.problems.map((p) => `${p.line}:${p.column} ${p.message}`);
    };
    const quota =
      '<quota-by-key calls="10" renewal-period="300" counter-key="k" increment-condition="@(context.Response.StatusCode < 400" />';
    const paren = 4 + quota.indexOf('@(') + 2;
    expect(problemsIn(inbound(quota))).toEqual([
      `3:${paren} The policy expression in the attribute increment-condition of <quota-by-key> does not end: the ( at line 3, column ${paren} has no matching ) before the attribute's closing ". In rawxml an expression (an attribute value or a text that starts with @( or @{) runs to the ) or } that closes it, past C# strings, chars and comments; check its brackets and quotes, or write it XML-escaped (&lt;, &amp;, &quot;).`,
    ]);
    // Problems after escaped expressions keep the columns of the raw text.
    const line = '<set-header name="a"><value>@(1 < 2 && 3 < 4)</value></set-header><nope />';
    expect(problemsIn(inbound(line))[1]).toMatch(
      new RegExp(`^3:${4 + line.indexOf('<nope />') + 8} <nope> is not supported`),
    );
  });

  it('refuses a DOCTYPE, so no entity is ever declared or expanded', () => {
    const xml = '<!DOCTYPE p [<!ENTITY x "boom">]>\n<policies><inbound><base/></inbound></policies>';
    expect(problemsOf(xml)[0]).toContain('a DOCTYPE is not allowed');
  });

  it('refuses documents nested deeper than any policy needs', () => {
    const deep = `${'<a>'.repeat(40)}${'</a>'.repeat(40)}`;
    expect(problemsOf(`<policies><inbound>${deep}</inbound></policies>`)[0]).toContain('nested more than 32');
  });

  it('names a wrong root, an unknown section and a repeated section', () => {
    expect(problemsOf('<policy><inbound /></policy>')).toEqual([
      '1:8 The root element must be <policies>, not <policy>.',
    ]);
    expect(problemsOf('<policies>\n<inbound />\n<outbond />\n</policies>')[0]).toMatch(
      /^3:\d+ <outbond> cannot be a section/,
    );
    expect(problemsOf('<policies><inbound /><inbound /></policies>')[0]).toContain('<inbound> appears twice');
  });

  it('names an unsupported policy, its line, and what the section supports', () => {
    const [first] = problemsOf(inbound('<base />\n    <cache-lookup vary-by-developer="false" />'));
    expect(first).toMatch(
      /^4:\d+ <cache-lookup> is not supported by Portico's gateway; policies supported in inbound: base, validate-jwt/,
    );
  });

  it('refuses a policy in a section or scope where APIM does not allow it', () => {
    expect(
      problemsOf(
        '<policies><outbound><validate-jwt header-name="a"><openid-config url="https://x" /></validate-jwt></outbound></policies>',
      )[0],
    ).toContain('<validate-jwt> cannot be used in <outbound>; it belongs in <inbound>');
    expect(problemsOf(inbound('<quota calls="1" renewal-period="60" />'), 'api')[0]).toContain(
      '<quota> cannot be used at api scope; it is allowed at product scope',
    );
    expect(problemsOf(inbound('<rate-limit calls="1" renewal-period="60" />'), 'global')[0]).toContain(
      'cannot be used at global scope',
    );
    expect(problemsOf(inbound('<forward-request />'))[0]).toContain('it belongs in <backend>');
  });

  it('names unknown attributes, missing ones and bad values', () => {
    expect(
      problemsOf(inbound('<set-header name="a" exist-action="override"><value>1</value></set-header>'))[0],
    ).toContain('<set-header> has no attribute exist-action; it takes name, exists-action');
    expect(problemsOf(inbound('<rate-limit renewal-period="60" />'))[0]).toContain(
      '<rate-limit> needs the attribute calls (a whole number).',
    );
    expect(problemsOf(inbound('<rate-limit calls="ten" renewal-period="60" />'))[0]).toContain(
      '<rate-limit> calls="ten" must be a whole number from 1 to 1000000000.',
    );
    expect(problemsOf(inbound('<rate-limit calls="1" renewal-period="301" />'))[0]).toContain(
      'renewal-period="301" must be a whole number from 1 to 300',
    );
    expect(
      problemsOf(
        inbound('<cors allow-credentials="yes"><allowed-origins><origin>*</origin></allowed-origins></cors>'),
      )[0],
    ).toContain('allow-credentials="yes" must be true or false.');
    expect(
      problemsOf(inbound('<ip-filter action="deny"><address>1.2.3.4</address></ip-filter>'))[0],
    ).toContain('action="deny" must be allow or forbid.');
    expect(problemsOf(inbound('<set-header name="a" />'))[0]).toContain('needs at least one <value>');
    expect(
      problemsOf(inbound('<set-header name="Content-Length"><value>1</value></set-header>'))[0],
    ).toContain('cannot change the Content-Length header');
    expect(problemsOf(inbound('<rewrite-uri template="v2/x" />'))[0]).toContain(
      'must be a path template starting with /',
    );
    expect(problemsOf(inbound('<set-backend-service base-url="ftp://x" />'))[0]).toContain(
      'must be an absolute http(s) URL',
    );
    expect(problemsOf(inbound('<set-backend-service backend-id="b" />'))[0]).toContain(
      'backend-id> is not supported',
    );
    expect(
      problemsOf(inbound('<quota-by-key calls="1" renewal-period="60" counter-key="k" />'), 'product')[0],
    ).toContain('renewal-period must be 0 (never renews) or at least 300 seconds');
    expect(problemsOf(inbound('<quota renewal-period="60" />'), 'product')[0]).toContain(
      'needs calls, bandwidth (KB), or both',
    );
    expect(
      problemsOf(
        inbound('<quota-by-key calls="1" renewal-period="0" counter-key="k" first-period-start="soon" />'),
      )[0],
    ).toContain('first-period-start="soon" must be an ISO 8601 date');
  });

  it('names the validate-jwt mistakes users make', () => {
    expect(
      problemsOf(inbound('<validate-jwt><openid-config url="https://x" /></validate-jwt>'))[0],
    ).toContain('needs exactly one of header-name, query-parameter-name or token-value');
    expect(problemsOf(inbound('<validate-jwt header-name="a" />'))[0]).toContain(
      'needs <openid-config url="…"/> or <issuer-signing-keys>',
    );
    expect(
      problemsOf(
        inbound('<validate-jwt header-name="a"><openid-config url="login.example" /></validate-jwt>'),
      )[0],
    ).toContain('must be an absolute http(s) URL');
    expect(
      problemsOf(
        inbound(
          '<validate-jwt header-name="a"><issuer-signing-keys><key certificate-id="c" /></issuer-signing-keys></validate-jwt>',
        ),
      )[0],
    ).toContain('certificate-id> is not supported');
    expect(
      problemsOf(
        inbound(
          '<validate-jwt header-name="a"><issuer-signing-keys><key>not base64!</key></issuer-signing-keys></validate-jwt>',
        ),
      )[0],
    ).toContain('<key> needs a base64 value');
    expect(
      problemsOf(
        inbound(
          '<validate-jwt header-name="a"><openid-config url="https://x" /><issuer><issuer>x</issuer></issuer></validate-jwt>',
        ),
      )[0],
    ).toContain('<issuer> is not supported inside <validate-jwt>');
  });

  it('refuses expressions it cannot evaluate, listing the ones it can', () => {
    const [first] = problemsOf(
      inbound('<set-header name="x"><value>@(context.Request.Body.As&lt;string&gt;())</value></set-header>'),
    );
    expect(first).toContain('The expression in <value> of <value> is not supported');
    expect(first).toContain('@(context.X) for X in Subscription.Id,');
    expect(
      problemsOf(
        inbound('<rate-limit-by-key calls="1" renewal-period="1" counter-key="@{ return 1; }" />'),
      )[0],
    ).toContain('counter-key');
    expect(
      problemsOf(
        inbound(
          '<rate-limit-by-key calls="1" renewal-period="1" counter-key="k" increment-condition="@(Math.Abs(1) == 1)" />',
        ),
      )[0],
    ).toContain('increment-condition="@(Math.Abs(1) == 1)" is not supported');
    // The whole list of what Portico evaluates, never cut short.
    expect(first).toContain('or Url.Query in place of Headers.');
  });

  it('refuses an expression where the policy would use it as literal text', () => {
    const cases = [
      [
        '<return-response><set-status code="200" /><set-body>@(context.Request.Method)</set-body></return-response>',
        '<set-body> takes no expression in its text (@(context.Request.Method))',
      ],
      [
        '<check-header name="x-a" failed-check-httpcode="401" failed-check-error-message="@(context.Request.IpAddress)" ignore-case="false"><value>@(context.Request.IpAddress)</value></check-header>',
        '<check-header> takes no expression in its attribute failed-check-error-message',
      ],
      [
        '<cors><allowed-origins><origin>@(context.Api.Id)</origin></allowed-origins></cors>',
        '<origin> takes no expression in its text',
      ],
      [
        '<mock-response status-code="200" content-type="@{ return 1; }" />',
        '<mock-response> takes no expression in its attribute content-type',
      ],
    ];
    for (const [xml, message] of cases) {
      expect(problemsOf(inbound(xml ?? '')).join('\n'), xml).toContain(message);
    }
    // Where it is evaluated, it stays accepted.
    expect(
      problemsOf(inbound('<set-header name="x-ip"><value>@(context.Request.IpAddress)</value></set-header>')),
    ).toEqual([]);
  });

  it('allows a policy that APIM allows once per section only once', () => {
    const twice = inbound(
      '<rate-limit calls="1" renewal-period="1" />\n    <rate-limit calls="2" renewal-period="1" />',
    );
    expect(problemsOf(twice)[0]).toMatch(/^4:\d+ <rate-limit> may appear only once in <inbound>\./);
  });

  it('reports every problem of a document at once, each at its own line', () => {
    const xml = inbound('<set-header />\n    <nope />\n    <rate-limit calls="0" renewal-period="1" />');
    const lines = problemsOf(xml).map((p) => Number(p.split(':')[0]));
    expect(lines).toEqual([3, 4, 5]);
  });

  it('never throws on damaged documents', () => {
    let seed = 42;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const alphabet = '<>/="\'&;!?[]{}@()x \n';
    for (const xml of Object.values(EXAMPLES)) {
      for (let i = 0; i < 150; i += 1) {
        const chars = [...xml];
        for (let j = 0; j < 1 + Math.floor(random() * 4); j += 1) {
          const at = Math.floor(random() * chars.length);
          const choice = random();
          if (choice < 0.4) {
            chars.splice(at, 1);
          } else if (choice < 0.8) {
            chars.splice(at, 0, alphabet[Math.floor(random() * alphabet.length)] ?? '');
          } else {
            chars.length = at;
          }
        }
        const damaged = chars.join('');
        for (const format of ['xml', 'rawxml'] as const) {
          const result = parsePolicyDocument(damaged, 'api', format);
          expect(typeof result.ok).toBe('boolean');
          if (!result.ok) {
            expect(result.problems.length).toBeGreaterThan(0);
            for (const p of result.problems) {
              expect(p.line).toBeGreaterThanOrEqual(1);
              expect(p.column).toBeGreaterThanOrEqual(0);
              expect(p.message.length).toBeGreaterThan(10);
            }
          }
        }
        // Whatever rawxml reads, its raw form (GET ?format=rawxml) reads back to the same XML.
        const raw = escapeRawXml(damaged);
        if (raw.ok) {
          expect(escapeRawXml(toRawXml(raw.xml))).toMatchObject({ ok: true, xml: raw.xml });
        }
      }
    }
  });
});

describe('child elements', () => {
  const first = (body: string) => problemsOf(inbound(body))[0] ?? '';

  it('refuses an attribute a child element does not take, naming the element, its line and what it takes', () => {
    const cases: [string, RegExp][] = [
      [
        '<return-response><set-status code="200" bogus="1" /></return-response>',
        /<set-status> in <return-response> has no attribute bogus; it takes code, reason\./,
      ],
      [
        '<return-response><set-body bogus="1">x</set-body></return-response>',
        /<set-body> in <return-response> has no attribute bogus; it takes no attributes\./,
      ],
      [
        '<set-header name="X-A"><value bogus="1">1</value></set-header>',
        /<value> in <set-header> has no attribute bogus/,
      ],
      [
        '<cors><allowed-origins><origin>https://a.example</origin></allowed-origins><allowed-methods bogus="1"><method>GET</method></allowed-methods></cors>',
        /<allowed-methods> in <cors> has no attribute bogus; it takes preflight-result-max-age\./,
      ],
      [
        '<cors><allowed-origins><origin>https://a.example</origin></allowed-origins><allowed-methods><method bogus="1">GET</method></allowed-methods></cors>',
        /<method> in <allowed-methods> has no attribute bogus/,
      ],
      [
        '<validate-jwt header-name="Authorization"><openid-config url="https://a.example/x" bogus="1" /></validate-jwt>',
        /<openid-config> in <validate-jwt> has no attribute bogus; it takes url\./,
      ],
      [
        '<validate-jwt header-name="Authorization"><openid-config url="https://a.example/x" /><audiences bogus="1"><audience>a</audience></audiences></validate-jwt>',
        /<audiences> in <validate-jwt> has no attribute bogus/,
      ],
      [
        '<validate-jwt header-name="Authorization"><openid-config url="https://a.example/x" /><required-claims><claim name="r" bogus="1"><value>a</value></claim></required-claims></validate-jwt>',
        /<claim> in <required-claims> has no attribute bogus; it takes name, match, separator\./,
      ],
    ];
    for (const [body, message] of cases) {
      expect(first(body), body).toMatch(/^3:\d+ /);
      expect(first(body), body).toMatch(message);
    }
  });

  it('refuses a Liquid set-body, a second set-body or set-status, and elements inside a text-only child', () => {
    expect(
      first('<return-response><set-body template="liquid">{{body.x}}</set-body></return-response>'),
    ).toMatch(
      /^3:\d+ <set-body template="…"> is not supported by Portico's gateway: a Liquid template \(template="liquid"\)/,
    );
    expect(first('<return-response><set-body>a</set-body><set-body>b</set-body></return-response>')).toMatch(
      /<set-body> may appear only once in <return-response>\./,
    );
    expect(
      first('<return-response><set-status code="200" /><set-status code="201" /></return-response>'),
    ).toMatch(/<set-status> may appear only once in <return-response>\./);
    expect(first('<return-response><set-body><b>bold</b></set-body></return-response>')).toMatch(
      /<set-body> in <return-response> holds text only, not <b>\./,
    );
    expect(first('<return-response><set-status code="200" reason="a&#10;b" /></return-response>')).toMatch(
      /<set-status> reason holds a line break/,
    );
  });
});

describe('composePolicies', () => {
  const names = (steps: readonly { name: string }[]) => steps.map((s) => s.name);

  it('inlines parent scopes where <base/> stands, from global to operation', () => {
    const docs = {
      global: documentOf(inbound('<check-header name="a" failed-check-httpcode="401" />'), 'global'),
      product: documentOf(inbound('<base />\n    <rate-limit calls="1" renewal-period="1" />'), 'product'),
      api: documentOf(inbound('<set-header name="x"><value>1</value></set-header>\n    <base />'), 'api'),
      operation: documentOf(inbound('<base />\n    <mock-response />'), 'operation'),
    };
    const policy = composePolicies(docs);
    expect(names(policy.inbound)).toEqual(['set-header', 'check-header', 'rate-limit', 'mock-response']);
    // Absent sections behave as <base/>: the default backend forwards the request.
    expect(names(policy.backend)).toEqual(['forward-request']);
    expect(names(policy.outbound)).toEqual([]);
  });

  it('drops the parents when a scope leaves out <base/>, and forwards nothing without it in backend', () => {
    const docs = {
      global: documentOf(inbound('<check-header name="a" failed-check-httpcode="401" />'), 'global'),
      api: documentOf(
        '<policies><inbound><ip-filter action="allow"><address>1.1.1.1</address></ip-filter></inbound><backend /></policies>',
        'api',
      ),
    };
    const policy = composePolicies(docs);
    expect(names(policy.inbound)).toEqual(['ip-filter']);
    expect(names(policy.backend)).toEqual([]);
    expect(names(composePolicies({}).backend)).toEqual(['forward-request']);
  });

  it('keeps the first forward-request when scopes compose two, so the backend is called once', () => {
    const backend = (body: string) => `<policies><backend>${body}</backend></policies>`;
    const docs = {
      global: documentOf(backend('<forward-request />'), 'global'),
      operation: documentOf(
        backend(
          '<forward-request timeout="30" />\n<set-header name="x"><value>1</value></set-header>\n<base />',
        ),
        'operation',
      ),
    };
    expect(names(composePolicies(docs).backend)).toEqual(['forward-request', 'set-header']);
  });
});

describe('named values', () => {
  it('lists the names a document uses and substitutes them XML-escaped, leaving unknown ones', () => {
    const xml =
      '<policies><inbound><set-header name="{{h}}"><value>{{v}}</value><value>{{missing}}</value></set-header></inbound></policies>';
    expect(referencedNamedValues(xml)).toEqual(['h', 'v', 'missing']);
    const out = substituteNamedValues(
      xml,
      new Map([
        ['h', 'X-Id'],
        ['v', 'a<b & "c"'],
      ]),
    );
    expect(out).toContain('name="X-Id"');
    expect(out).toContain('<value>a&lt;b &amp; &quot;c&quot;</value>');
    expect(out).toContain('{{missing}}');
    expect(parsePolicyDocument(out, 'api').ok).toBe(true);
  });
});

describe('expressions', () => {
  it('compiles literals and the supported accessors, and refuses code', () => {
    expect(compileText('plain')).toBeTypeOf('function');
    expect(compileText('@(context.Subscription.Id)')).toBeTypeOf('function');
    expect(compileText('@(context.Request.Headers.GetValueOrDefault("X-Tenant", "none"))')).toBeTypeOf(
      'function',
    );
    expect(compileText('@(context.Request.Url.Query.GetValueOrDefault("q"))')).toBeTypeOf('function');
    expect(compileText('@(System.IO.File.ReadAllText("/etc/passwd"))')).toBeUndefined();
    expect(compileText('@{ return "x"; }')).toBeUndefined();
    expect(compileText('@(context.Subscription.Id')).toBeUndefined();
  });

  it('compiles status conditions with && and || only', () => {
    expect(compileCondition('@(context.Response.StatusCode == 200)')).toBeTypeOf('function');
    expect(
      compileCondition(
        '@(context.Response.StatusCode >= 200 && context.Response.StatusCode < 300 || context.Response.StatusCode == 404)',
      ),
    ).toBeTypeOf('function');
    const at = (status: number) => ({ response: { status } }) as unknown as GatewayContext;
    const ok = compileCondition(
      '@(context.Response.StatusCode >= 200 && context.Response.StatusCode < 300 || context.Response.StatusCode == 404)',
    );
    expect([200, 299, 300, 404, 500].map((s) => ok?.(at(s)))).toEqual([true, true, false, true, false]);
    const others = compileCondition(
      '@(context.Response.StatusCode != 500 && context.Response.StatusCode > 100 && context.Response.StatusCode <= 204)',
    );
    expect([101, 204, 205, 500].map((s) => others?.(at(s)))).toEqual([true, true, false, false]);
    expect(compileCondition('@(true)')?.(at(500))).toBe(true);
    expect(compileCondition('@((context.Response.StatusCode == 200))')).toBeUndefined();
    expect(compileCondition('@(context.Response.Body == 200)')).toBeUndefined();
    expect(compileCondition('context.Response.StatusCode == 200')).toBeUndefined();
  });
});
