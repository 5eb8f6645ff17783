/**
 * The `rawxml` scanner: policy expressions written as C# become XML (and back) without touching anything
 * else; an expression that never ends is told where it starts.
 * @see docs/decisions/0091-rawxml-policies-and-domain-validate.md
 */
import { describe, expect, it } from 'vitest';
import { escapeRawXml, toRawXml } from './raw-xml.js';
import { parseXml } from './xml.js';

function escaped(raw: string): string {
  const result = escapeRawXml(raw);
  if (!result.ok) {
    throw new Error(result.message);
  }
  expect(parseXml(result.xml).ok).toBe(true);
  return result.xml;
}

describe('escapeRawXml', () => {
  it('escapes <, && and the attribute quote inside attribute expressions only', () => {
    expect(
      escaped('<a x="@(c.Code >= 200 && c.Code < 400)" y="@(h.Get("X-Client", "anon"))" z="a &amp; b" />'),
    ).toBe(
      '<a x="@(c.Code >= 200 &amp;&amp; c.Code &lt; 400)" y="@(h.Get(&quot;X-Client&quot;, &quot;anon&quot;))" z="a &amp; b" />',
    );
    expect(escaped(`<a x='@(c == 'q' || s == "it's")' />`)).toBe(
      `<a x='@(c == &apos;q&apos; || s == "it&apos;s")' />`,
    );
  });

  it('escapes a text expression to its closing brace, past strings, chars, comments and interpolations', () => {
    const raw =
      '<set-body>@{ var s = "a)}<\\""; char c = \'}\'; /* don\'t */ // it\'s\n return s.Length < 3 ? $"{s} {{x}} {(c < \'a\' ? "<" : ">")}" : @"q""<"; }</set-body>';
    expect(escaped(raw)).toBe(
      '<set-body>@{ var s = "a)}&lt;\\""; char c = \'}\'; /* don\'t */ // it\'s\n return s.Length &lt; 3 ? $"{s} {{x}} {(c &lt; \'a\' ? "&lt;" : ">")}" : @"q""&lt;"; }</set-body>',
    );
  });

  it('leaves entity references and every document that is XML already as they are', () => {
    const xml =
      '<policies><inbound><quota-by-key counter-key="@(h.Get(&quot;a&quot;))" increment-condition="@(c &gt;= 200 &amp;&amp; c &lt; 400)" /><set-body>@(&#60;)</set-body><!-- @( --></inbound></policies>';
    expect(escaped(xml)).toBe(xml);
  });

  it('points at the bracket an expression never closes, and at a stray closer', () => {
    expect(escapeRawXml('<a\n  x="@(c.Code < 400" />')).toMatchObject({
      ok: false,
      offset: 9,
      message:
        'The policy expression in the attribute x of <a> does not end: the ( at line 2, column 7 has no matching ) before the attribute\'s closing "',
    });
    expect(escapeRawXml('<a><value>@{ return "x; }</value></a>')).toMatchObject({
      ok: false,
      message: expect.stringContaining('the string at line 1, column 21 is never closed'),
    });
    expect(escapeRawXml('<a x="@(f(1]))" />')).toMatchObject({
      ok: false,
      message: expect.stringContaining('has a ] at line 1, column 12 that closes nothing'),
    });
  });

  it('maps offsets of the XML back to the raw text', () => {
    const raw = '<a x="@(a && b < c)" y="1"/>';
    const result = escapeRawXml(raw);
    expect(result.ok && result.sourceOffset(result.xml.indexOf('y='))).toBe(raw.indexOf('y='));
  });
});

describe('toRawXml', () => {
  it('gives back the raw form, which escapes to the same XML', () => {
    const raw =
      '<p><q x="@(c >= 200 && c < 400)" k="@(h.Get("X", "&amp;lt;"))"><value>@{ return a < b ? "<" : "&"; }</value></q></p>';
    const xml = escaped(raw);
    expect(toRawXml(xml)).toBe(raw);
    expect(escaped(toRawXml(xml))).toBe(xml);
  });

  it('unescapes only expressions, and leaves an expression that does not end as it is', () => {
    const xml = '<p a="x &lt; y" b="@(x &lt; y"><v>@{ &lt;</v></p>';
    expect(toRawXml(xml)).toBe(xml);
  });
});
