/**
 * APIM's `rawxml` policy format: policy expressions written as C#, not XML-escaped, so that
 * `increment-condition="@(a >= 200 && a < 400)"`, `counter-key="@(f("x"))"` and
 * `<set-body>@{ if (a < b) { … } }</set-body>` are accepted as they are. A small scanner finds each
 * expression (an attribute value or a text that starts with `@(` or `@{`), follows it to the bracket that
 * closes it (past C# strings, chars and comments) and escapes what XML would refuse inside it: `<`, a bare
 * `&`, and the attribute's own quote. Entity references already written (`&lt;`, `&amp;`, `&quot;`, `&#60;`)
 * stay as they are, so a policy escaped by hand reads the same in both formats. The same scanner turns
 * stored XML back into the raw form for `GET …?format=rawxml`. See docs/decisions/0091.
 */

/** A policy expression of a document: where it starts and ends (offsets) and what holds it. */
export interface ExpressionSpan {
  readonly start: number;
  readonly end: number;
  /** `attribute increment-condition of <quota-by-key>`, `the text of <set-body>`. */
  readonly where: string;
}

/** The XML of a raw document, or why an expression of it cannot be read. */
export type RawXmlResult =
  | {
      readonly ok: true;
      readonly xml: string;
      readonly expressions: readonly ExpressionSpan[];
      /** The offset in the raw text of an offset in {@link xml}. */
      readonly sourceOffset: (offset: number) => number;
    }
  | { readonly ok: false; readonly offset: number; readonly message: string };

type Mode = 'escape' | 'unescape';

interface Scanner {
  readonly text: string;
  readonly mode: Mode;
  i: number;
  readonly out: string[];
  outLength: number;
  /** [offset in the output, offset in the text] after each change of length. */
  readonly marks: [number, number][];
  readonly spans: ExpressionSpan[];
  lastTag: string;
}

/** Why an expression could not be followed to its end. */
interface ScanFailure {
  readonly offset: number;
  readonly message: string;
}

/** One character as the C# scanner sees it: an entity reference counts as the character it stands for. */
interface Token {
  readonly ch: string;
  readonly length: number;
  readonly entity: boolean;
}

const NAMED: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
const ENTITY = /^&(?:(lt|gt|amp|quot|apos)|#(\d{1,7})|#x([0-9a-fA-F]{1,6}));/;
const CLOSER: Readonly<Record<string, string>> = { '(': ')', '{': '}', '[': ']' };

/** Escapes the policy expressions of a `rawxml` document into XML. Never throws. */
export function escapeRawXml(raw: string): RawXmlResult {
  const s = createScanner(raw, 'escape');
  const failure = scanDocument(s);
  if (failure !== undefined) {
    return { ok: false, ...failure };
  }
  const marks = s.marks;
  return {
    ok: true,
    xml: s.out.join(''),
    expressions: s.spans,
    sourceOffset: (offset) => sourceOffset(marks, offset),
  };
}

/** The raw (`rawxml`) form of a stored XML document: its expressions unescaped. Never throws. */
export function toRawXml(xml: string): string {
  const s = createScanner(xml, 'unescape');
  return scanDocument(s) === undefined ? s.out.join('') : xml;
}

function createScanner(text: string, mode: Mode): Scanner {
  return { text, mode, i: 0, out: [], outLength: 0, marks: [], spans: [], lastTag: '' };
}

function sourceOffset(marks: readonly [number, number][], offset: number): number {
  let at: [number, number] = [0, 0];
  for (const mark of marks) {
    if (mark[0] > offset) {
      break;
    }
    at = mark;
  }
  return at[1] + (offset - at[0]);
}

function write(s: Scanner, text: string, consumed: number): void {
  s.out.push(text);
  s.outLength += text.length;
  s.i += consumed;
  if (text.length !== consumed) {
    s.marks.push([s.outLength, s.i]);
  }
}

function copyTo(s: Scanner, end: number): void {
  if (end > s.i) {
    write(s, s.text.slice(s.i, end), end - s.i);
  }
}

function copyThrough(s: Scanner, terminator: string): void {
  const at = s.text.indexOf(terminator, s.i);
  copyTo(s, at < 0 ? s.text.length : at + terminator.length);
}

function scanDocument(s: Scanner): ScanFailure | undefined {
  while (s.i < s.text.length) {
    const failure = s.text[s.i] === '<' ? scanMarkup(s) : scanText(s);
    if (failure !== undefined) {
      return failure;
    }
  }
  return undefined;
}

function scanMarkup(s: Scanner): ScanFailure | undefined {
  const { text, i } = s;
  for (const [open, close] of [
    ['<!--', '-->'],
    ['<![CDATA[', ']]>'],
    ['<?', '?>'],
    ['<!', '>'],
    ['</', '>'],
  ] as const) {
    if (text.startsWith(open, i)) {
      copyThrough(s, close);
      return undefined;
    }
  }
  return scanStartTag(s);
}

function copyMatch(s: Scanner, pattern: RegExp): string {
  pattern.lastIndex = s.i;
  const match = pattern.exec(s.text)?.[0] ?? '';
  copyTo(s, s.i + match.length);
  return match;
}

const TAG_NAME = /[^\s/>]*/y;
const SPACE = /\s*/y;
const ATTRIBUTE_NAME = /[^\s=/>]*/y;

function scanStartTag(s: Scanner): ScanFailure | undefined {
  copyTo(s, s.i + 1);
  s.lastTag = copyMatch(s, TAG_NAME);
  for (;;) {
    copyMatch(s, SPACE);
    if (s.i >= s.text.length || s.text[s.i] === '>' || s.text.startsWith('/>', s.i)) {
      copyThrough(s, '>');
      return undefined;
    }
    const name = copyMatch(s, ATTRIBUTE_NAME);
    copyMatch(s, SPACE);
    if (name === '' || s.text[s.i] !== '=') {
      // Not an attribute: left as it is, for the XML parser to report.
      copyTo(s, s.i + 1);
      continue;
    }
    copyTo(s, s.i + 1);
    copyMatch(s, SPACE);
    const failure = scanAttributeValue(s, name);
    if (failure !== undefined) {
      return failure;
    }
  }
}

function scanAttributeValue(s: Scanner, name: string): ScanFailure | undefined {
  const quote = s.text[s.i];
  if (quote !== '"' && quote !== "'") {
    return undefined;
  }
  copyTo(s, s.i + 1);
  if (isExpressionStart(s)) {
    const failure = scanExpression(s, quote, `the attribute ${name} of <${s.lastTag}>`);
    if (failure !== undefined) {
      return failure;
    }
  }
  copyThrough(s, quote);
  return undefined;
}

function scanText(s: Scanner): ScanFailure | undefined {
  copyMatch(s, SPACE);
  if (isExpressionStart(s)) {
    const failure = scanExpression(s, undefined, `the text of <${s.lastTag}>`);
    if (failure !== undefined) {
      return failure;
    }
  }
  const next = s.text.indexOf('<', s.i);
  copyTo(s, next < 0 ? s.text.length : next);
  return undefined;
}

function isExpressionStart(s: Scanner): boolean {
  return s.text.startsWith('@(', s.i) || s.text.startsWith('@{', s.i);
}

/**
 * Follows one expression from its `@` to its closing bracket. Stored XML that is not an expression after
 * all (`@(` never closed) is left as it is; a raw document's is refused, as nothing after it can be read.
 */
function scanExpression(s: Scanner, quote: string | undefined, where: string): ScanFailure | undefined {
  const start = s.i;
  const restore = { out: s.out.length, outLength: s.outLength, marks: s.marks.length };
  const opener = s.text[start + 1] ?? '(';
  copyTo(s, start + 2);
  const failure = scanCode(s, CLOSER[opener] ?? ')', start + 1, quote);
  if (failure === undefined) {
    s.spans.push({ start, end: s.i, where });
    return undefined;
  }
  if (s.mode === 'escape') {
    return { offset: failure.offset, message: `The policy expression in ${where} ${failure.message}` };
  }
  s.out.length = restore.out;
  s.outLength = restore.outLength;
  s.marks.length = restore.marks;
  s.i = start;
  return undefined;
}

function peek(s: Scanner): Token | undefined {
  const ch = s.text[s.i];
  if (ch === undefined) {
    return undefined;
  }
  if (ch === '&') {
    const match = ENTITY.exec(s.text.slice(s.i, s.i + 12));
    const decoded = match === null ? undefined : decodeEntity(match);
    if (match !== null && decoded !== undefined) {
      return { ch: decoded, length: match[0].length, entity: true };
    }
  }
  return { ch, length: 1, entity: false };
}

function decodeEntity(match: RegExpExecArray): string | undefined {
  if (match[1] !== undefined) {
    return NAMED[match[1]];
  }
  const code = match[2] === undefined ? Number.parseInt(match[3] ?? '', 16) : Number(match[2]);
  return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : undefined;
}

/** Writes one token of an expression, escaped or unescaped as the scanner's mode wants. */
function emit(s: Scanner, token: Token, quote: string | undefined): void {
  const source = s.text.slice(s.i, s.i + token.length);
  if (s.mode === 'escape') {
    write(s, token.entity ? source : escapeChar(token.ch, quote), token.length);
    return;
  }
  write(s, token.entity ? unescapeEntity(s, source, token) : source, token.length);
}

function escapeChar(ch: string, quote: string | undefined): string {
  if (ch === '<') {
    return '&lt;';
  }
  if (ch === '&') {
    return '&amp;';
  }
  if (ch === quote) {
    return quote === '"' ? '&quot;' : '&apos;';
  }
  return ch;
}

function unescapeEntity(s: Scanner, source: string, token: Token): string {
  if (source.startsWith('&#')) {
    return source;
  }
  // `&amp;lt;` is the text `&lt;`, which written raw would read as `<`: it stays escaped.
  if (token.ch === '&' && ENTITY.test(`&${s.text.slice(s.i + token.length, s.i + token.length + 11)}`)) {
    return source;
  }
  return token.ch;
}

function at(s: Scanner, offset: number): string {
  const before = s.text.slice(0, offset).split('\n');
  return `line ${before.length}, column ${(before.at(-1)?.length ?? 0) + 1}`;
}

/** C# code up to `closer`, with nested brackets, strings, chars and comments. */
function scanCode(
  s: Scanner,
  closer: string,
  openAt: number,
  quote: string | undefined,
): ScanFailure | undefined {
  for (;;) {
    const token = peek(s);
    if (token === undefined) {
      return {
        offset: openAt,
        message: `does not end: the ${s.text[openAt]} at ${at(s, openAt)} has no matching ${closer}`,
      };
    }
    const { ch } = token;
    if (ch === closer) {
      emit(s, token, quote);
      return undefined;
    }
    const failure = scanCodeToken(s, token, openAt, closer, quote);
    if (failure !== undefined) {
      return failure;
    }
  }
}

function scanCodeToken(
  s: Scanner,
  token: Token,
  openAt: number,
  closer: string,
  quote: string | undefined,
): ScanFailure | undefined {
  const { ch } = token;
  const nested = CLOSER[ch];
  if (nested !== undefined) {
    const here = s.i;
    emit(s, token, quote);
    return scanCode(s, nested, here, quote);
  }
  if (ch === ')' || ch === '}' || ch === ']') {
    return {
      offset: s.i,
      message: `has a ${ch} at ${at(s, s.i)} that closes nothing: the ${s.text[openAt]} at ${at(s, openAt)} wants ${closer}`,
    };
  }
  if (ch === '"' || ch === "'") {
    const failure = scanLiteral(s, token, quote, false, false);
    return failure !== undefined && ch === quote && !token.entity
      ? {
          offset: openAt,
          message: `does not end: the ${s.text[openAt]} at ${at(s, openAt)} has no matching ${closer} before the attribute's closing ${quote}`,
        }
      : failure;
  }
  if ((ch === '@' || ch === '$') && isStringPrefix(s)) {
    return scanPrefixedString(s, quote);
  }
  if (ch === '/' && (s.text[s.i + 1] === '/' || s.text[s.i + 1] === '*')) {
    copyTo(s, s.i + 2);
    copyComment(s, s.text[s.i - 1] === '/' ? '\n' : '*/', quote);
    return undefined;
  }
  emit(s, token, quote);
  return undefined;
}

function isStringPrefix(s: Scanner): boolean {
  return /^(?:@|\$|@\$|\$@)(?:"|&quot;)/.test(s.text.slice(s.i, s.i + 8));
}

function scanPrefixedString(s: Scanner, quote: string | undefined): ScanFailure | undefined {
  let verbatim = false;
  let interpolated = false;
  for (let token = peek(s); token !== undefined && token.ch !== '"'; token = peek(s)) {
    verbatim ||= token.ch === '@';
    interpolated ||= token.ch === '$';
    emit(s, token, quote);
  }
  const open = peek(s);
  return open === undefined ? undefined : scanLiteral(s, open, quote, verbatim, interpolated);
}

/** A C# string or char literal from its opening quote, holes of interpolated strings included. */
function scanLiteral(
  s: Scanner,
  open: Token,
  quote: string | undefined,
  verbatim: boolean,
  interpolated: boolean,
): ScanFailure | undefined {
  const start = s.i;
  emit(s, open, quote);
  for (;;) {
    const token = peek(s);
    if (token === undefined) {
      const kind = open.ch === '"' ? 'string' : 'character';
      return { offset: start, message: `does not end: the ${kind} at ${at(s, start)} is never closed` };
    }
    emit(s, token, quote);
    if (token.ch === open.ch) {
      const next = peek(s);
      if (!(verbatim && next?.ch === open.ch)) {
        return undefined;
      }
      emit(s, next, quote);
    } else if (token.ch === '\\' && !verbatim) {
      const escaped = peek(s);
      if (escaped !== undefined) {
        emit(s, escaped, quote);
      }
    } else if (interpolated && token.ch === '{') {
      const failure = scanHole(s, quote);
      if (failure !== undefined) {
        return failure;
      }
    }
  }
}

/** After `{` in an interpolated string: `{{` is a brace, anything else is code up to its `}`. */
function scanHole(s: Scanner, quote: string | undefined): ScanFailure | undefined {
  const next = peek(s);
  if (next?.ch === '{') {
    emit(s, next, quote);
    return undefined;
  }
  return scanCode(s, '}', s.i - 1, quote);
}

function copyComment(s: Scanner, terminator: string, quote: string | undefined): void {
  for (let token = peek(s); token !== undefined; token = peek(s)) {
    emit(s, token, quote);
    if (s.text.endsWith(terminator, s.i)) {
      return;
    }
  }
}
