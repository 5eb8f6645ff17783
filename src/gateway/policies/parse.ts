/**
 * Policy documents to compiled steps (spec/apim.md §2), checked as APIM checks them on save: well-formed
 * XML, the four sections once each, supported policies in sections and scopes where they may appear,
 * known attributes with valid values. Every problem has its line. Never throws.
 */
import { clip } from '../../shared/quote.js';
import type { PolicyScope, PolicySection } from '../types.js';
import { isExpression } from './expressions.js';
import {
  type BaseStep,
  type ParseContext,
  type PolicyDocument,
  type PolicyProblem,
  problem,
  type Step,
} from './model.js';
import { type ExpressionSpan, escapeRawXml } from './raw-xml.js';
import { POLICY_KINDS } from './registry.js';
import { parseXml, type XmlElement } from './xml.js';

/** The outcome of parsing a document. */
export type PolicyParseResult =
  | { readonly ok: true; readonly document: PolicyDocument }
  | { readonly ok: false; readonly problems: readonly PolicyProblem[] };

const SECTIONS: readonly PolicySection[] = ['inbound', 'backend', 'outbound', 'on-error'];
const BASE: BaseStep = Object.freeze({ name: 'base' });
/** Policies APIM allows once per section (or per document). */
const ONCE = new Set(['cors', 'rate-limit', 'quota', 'forward-request']);

function supportedIn(section: PolicySection): string {
  return [...POLICY_KINDS.values()]
    .filter((kind) => kind.sections.includes(section))
    .map((kind) => kind.name)
    .join(', ');
}

function parseStep(element: XmlElement, p: ParseContext): Step | BaseStep | undefined {
  if (element.name === 'base') {
    return element.attributes.size > 0 || element.children.length > 0
      ? problem(p, element, '<base /> takes no attributes or children.')
      : BASE;
  }
  const kind = POLICY_KINDS.get(element.name);
  if (kind === undefined) {
    return problem(
      p,
      element,
      `<${element.name}> is not supported by Portico's gateway; policies supported in ${p.section}: base, ${supportedIn(p.section)}.`,
    );
  }
  if (!kind.sections.includes(p.section)) {
    return problem(
      p,
      element,
      `<${element.name}> cannot be used in <${p.section}>; it belongs in ${kind.sections.map((s) => `<${s}>`).join(', ')}.`,
    );
  }
  if (kind.scopes !== undefined && !kind.scopes.includes(p.scope)) {
    return problem(
      p,
      element,
      `<${element.name}> cannot be used at ${p.scope} scope; it is allowed at ${kind.scopes.join(', ')} scope.`,
    );
  }
  for (const name of element.attributes.keys()) {
    if (!kind.attributes.includes(name)) {
      problem(
        p,
        element,
        `<${element.name}> has no attribute ${name}${kind.attributes.length > 0 ? `; it takes ${kind.attributes.join(', ')}` : ''}.`,
      );
    }
  }
  const evaluated = new Set<string>();
  const before = p.problems.length;
  const step = kind.parse(element, { ...p, evaluated });
  if (p.problems.length === before) {
    refuseUnevaluated(element, evaluated, p);
  }
  return step;
}

/**
 * Refuses an expression where the policy does not evaluate one: it would be sent or compared as its
 * own text (C# source in a response body, a header check against the letters `@(…)`).
 */
function refuseUnevaluated(element: XmlElement, evaluated: ReadonlySet<string>, p: ParseContext): void {
  const found = (value: string) => isExpression(value) && !evaluated.has(value);
  for (const [name, value] of element.attributes) {
    if (found(value)) {
      problem(p, element, unevaluated(element, `its attribute ${name}`, value));
    }
  }
  if (found(element.text)) {
    problem(p, element, unevaluated(element, 'its text', element.text));
  }
  for (const child of element.children) {
    refuseUnevaluated(child, evaluated, p);
  }
}

function unevaluated(element: XmlElement, where: string, value: string): string {
  return `<${element.name}> takes no expression in ${where} (${clip(value, 80)}): Portico would use it as literal text. Expressions are evaluated in set-header and set-query-parameter values, token-value, counter-key, increment-condition and base-url; write a literal value here.`;
}

function parseSection(element: XmlElement, p: ParseContext): (Step | BaseStep)[] {
  if (element.attributes.size > 0) {
    problem(p, element, `<${element.name}> takes no attributes.`);
  }
  const seen = new Set<string>();
  const steps: (Step | BaseStep)[] = [];
  for (const child of element.children) {
    if (ONCE.has(child.name) && seen.has(child.name)) {
      problem(p, child, `<${child.name}> may appear only once in <${element.name}>.`);
    }
    seen.add(child.name);
    const step = parseStep(child, p);
    if (step !== undefined) {
      steps.push(step);
    }
  }
  return steps;
}

/**
 * APIM's editor accepts `attr="@(f("x"))"`, with double quotes inside a double-quoted attribute; XML
 * does not, and the parser's words for it say nothing of expressions.
 */
function quoteHint(xml: string, message: string): string {
  return /attribute|whitespace/i.test(message) && /=\s*"@[({]/.test(xml)
    ? ' An expression in an attribute may not hold the attribute\'s own quote: write " inside it as &quot;, or put the attribute in single quotes.'
    : '';
}

/** For an `xml` document that `rawxml` would read: the policy expressions hold characters XML refuses. */
function rawxmlHint(xml: string): string {
  const raw = escapeRawXml(xml);
  return raw.ok && raw.xml !== xml && parseXml(raw.xml).ok
    ? ' A policy expression holds <, & or a quote as C# has them: in format "xml" write them as &lt;, &amp; and &quot;, or send the policy with format "rawxml", which takes expressions as written.'
    : '';
}

/** The format of a policy document (APIM's `properties.format`). */
export type PolicyFormat = 'xml' | 'rawxml';

/** What is known of where a document is attached, for the checks that depend on it. */
export interface PolicyTargetFacts {
  /** At operation scope: the operation's URL template (`/orders/{id}?view={view}`). */
  readonly operationTemplate?: string;
}

/**
 * Parses and checks a policy document for a scope. A `rawxml` document's expressions are escaped first
 * (raw-xml.ts), and every problem is told at its place in the document as written.
 */
export function parsePolicyDocument(
  text: string,
  scope: PolicyScope,
  format: PolicyFormat = 'xml',
  facts: PolicyTargetFacts = {},
): PolicyParseResult {
  if (format === 'xml') {
    return parseXmlDocument(
      text,
      scope,
      (message) => `${quoteHint(text, message)}${rawxmlHint(text)}`,
      facts,
    );
  }
  const raw = escapeRawXml(text);
  if (!raw.ok) {
    const { line, column } = positionOf(text, raw.offset);
    return {
      ok: false,
      problems: [{ line, column: column + 1, message: `${raw.message}. ${EXPRESSION_RULES}` }],
    };
  }
  const result = parseXmlDocument(
    raw.xml,
    scope,
    (_message, line, column) =>
      insideExpressionHint(text, raw.expressions, raw.sourceOffset(offsetOf(raw.xml, line, column))),
    facts,
  );
  if (result.ok) {
    return result;
  }
  const problems = result.problems.map((problem) => {
    const source = raw.sourceOffset(offsetOf(raw.xml, problem.line, problem.column));
    return { ...problem, ...positionOf(text, source) };
  });
  return { ok: false, problems };
}

const EXPRESSION_RULES =
  'In rawxml an expression (an attribute value or a text that starts with @( or @{) runs to the ) or } that closes it, past C# strings, chars and comments; check its brackets and quotes, or write it XML-escaped (&lt;, &amp;, &quot;).';

function insideExpressionHint(text: string, spans: readonly ExpressionSpan[], offset: number): string {
  const span = spans.find((s) => offset >= s.start && offset <= s.end + 1);
  if (span === undefined) {
    return '';
  }
  const { line, column } = positionOf(text, span.start);
  return ` It is at the policy expression in ${span.where} (line ${line}, column ${column + 1}). ${EXPRESSION_RULES}`;
}

/** The offset of a parser position (line from 1, column = characters read on that line). */
function offsetOf(text: string, line: number, column: number): number {
  let offset = 0;
  for (let n = 1; n < line; n++) {
    const next = text.indexOf('\n', offset);
    if (next < 0) {
      break;
    }
    offset = next + 1;
  }
  return offset + column;
}

function positionOf(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset).split('\n');
  return { line: before.length, column: before.at(-1)?.length ?? 0 };
}

function parseXmlDocument(
  xml: string,
  scope: PolicyScope,
  hint: (message: string, line: number, column: number) => string,
  facts: PolicyTargetFacts,
): PolicyParseResult {
  const parsed = parseXml(xml);
  if (!parsed.ok) {
    return {
      ok: false,
      problems: [
        {
          line: parsed.line,
          column: parsed.column,
          message: `The policy is not well-formed XML: ${clip(parsed.message.replace(/\.+$/, ''), 200)}.${hint(parsed.message, parsed.line, parsed.column)}`,
        },
      ],
    };
  }
  const problems: PolicyProblem[] = [];
  const root = parsed.root;
  if (root.name !== 'policies') {
    return {
      ok: false,
      problems: [
        {
          line: root.line,
          column: root.column,
          message: `The root element must be <policies>, not <${clip(root.name)}>.`,
        },
      ],
    };
  }
  const sections: Partial<Record<PolicySection, (Step | BaseStep)[]>> = {};
  for (const child of root.children) {
    const section = SECTIONS.find((name) => name === child.name);
    const p: ParseContext = {
      scope,
      section: section ?? 'inbound',
      problems,
      ...(facts.operationTemplate === undefined ? {} : { operationTemplate: facts.operationTemplate }),
    };
    if (section === undefined) {
      problem(
        p,
        child,
        `<${child.name}> cannot be a section; <policies> holds <inbound>, <backend>, <outbound> and <on-error>.`,
      );
    } else if (sections[section] !== undefined) {
      problem(p, child, `<${section}> appears twice; each section may appear once.`);
    } else {
      sections[section] = parseSection(child, p);
    }
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, document: { scope, sections } };
}

const NAMED_VALUE = /\{\{([A-Za-z0-9._-]{1,256})\}\}/g;

/** The named values a document references as `{{name}}`. */
export function referencedNamedValues(xml: string): string[] {
  return [...new Set([...xml.matchAll(NAMED_VALUE)].map((match) => match[1] ?? ''))];
}

function escapeXml(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

/** Replaces `{{name}}` by the XML-escaped value; unknown names stay as written. */
export function substituteNamedValues(xml: string, values: ReadonlyMap<string, string>): string {
  return xml.replace(NAMED_VALUE, (whole, name: string) => {
    const value = values.get(name);
    return value === undefined ? whole : escapeXml(value);
  });
}
