/**
 * Policy XML to a small element tree with line and column on every element (saxes, a strict SAX
 * parser). Never throws: the first well-formedness error comes back with its position. A DOCTYPE is
 * refused, so no entity can be declared or expanded.
 */
import { SaxesParser } from 'saxes';
import { errorMessage } from '../../shared/guards.js';

/** One element of a policy document. */
export interface XmlElement {
  readonly name: string;
  readonly attributes: ReadonlyMap<string, string>;
  readonly children: XmlElement[];
  /** Text directly inside the element (trimmed), e.g. a `<value>`'s. */
  text: string;
  readonly line: number;
  readonly column: number;
}

/** A parse result: the root element, or the first problem. */
export type XmlResult =
  | { readonly ok: true; readonly root: XmlElement }
  | { readonly ok: false; readonly line: number; readonly column: number; readonly message: string };

/** The deepest nesting accepted (policy documents are shallow). */
const MAX_DEPTH = 32;

/** Parses a policy document. */
export function parseXml(text: string): XmlResult {
  const parser = new SaxesParser({ position: true });
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  let problem: { line: number; column: number; message: string } | undefined;
  const fail = (message: string) => {
    problem ??= { line: parser.line, column: parser.column, message };
  };
  parser.on('error', (error) => fail(error.message.replace(/^\d+:\d+: /, '')));
  parser.on('doctype', () => fail('a DOCTYPE is not allowed in a policy document'));
  parser.on('opentag', (tag) => {
    const element: XmlElement = {
      name: tag.name,
      attributes: new Map(Object.entries(tag.attributes as Record<string, string>)),
      children: [],
      text: '',
      line: parser.line,
      column: parser.column,
    };
    if (stack.length >= MAX_DEPTH) {
      fail(`elements are nested more than ${MAX_DEPTH} deep`);
    }
    stack.at(-1)?.children.push(element);
    root ??= element;
    stack.push(element);
  });
  parser.on('text', (text) => appendText(stack.at(-1), text));
  parser.on('cdata', (text) => appendText(stack.at(-1), text));
  parser.on('closetag', () => {
    const element = stack.pop();
    if (element !== undefined) {
      element.text = element.text.trim();
    }
  });
  try {
    parser.write(text).close();
  } catch (error) {
    fail(errorMessage(error));
  }
  if (problem !== undefined) {
    return { ok: false, ...problem };
  }
  return root === undefined
    ? { ok: false, line: 1, column: 1, message: 'the document is empty' }
    : { ok: true, root };
}

function appendText(element: XmlElement | undefined, text: string): void {
  if (element !== undefined) {
    element.text += text;
  }
}
