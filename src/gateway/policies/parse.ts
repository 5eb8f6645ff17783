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

/** Parses and checks a policy document for a scope. */
export function parsePolicyDocument(xml: string, scope: PolicyScope): PolicyParseResult {
  const parsed = parseXml(xml);
  if (!parsed.ok) {
    return {
      ok: false,
      problems: [
        {
          line: parsed.line,
          column: parsed.column,
          message: `The policy is not well-formed XML: ${clip(parsed.message.replace(/\.+$/, ''), 200)}.${quoteHint(xml, parsed.message)}`,
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
    const p: ParseContext = { scope, section: section ?? 'inbound', problems };
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
