/**
 * Azure's list query options on the resources of a list (`$filter`, `$top`, `$skip`, as API Management's
 * lists take them): a small OData subset that covers what scripts send, and a 400 for the rest, so that a
 * filter is never ignored (a script that deletes what it filtered must not delete everything).
 *
 * `$filter`: comparisons `eq ne gt ge lt le` of a field with a string ('it''s'), number, `true`/`false` or
 * `null`, and the functions `contains`, `startswith`, `endswith` (`substringof` too); joined with `and` /
 * `or` (and before or), with `not` and parentheses, nested at most {@link MAX_FILTER_DEPTH} deep. A field
 * is `name`, `id`, `type`, a property of the list's resources (`displayName`, `properties/displayName`) or
 * one the list works out ({@link ListFields}); any other is a 400 naming the fields there are. Strings
 * compare without case, as Azure does.
 *
 * `$top` is the size of a page, as in Azure: when more follow, the page says where the next one starts
 * (decision 0090). Other OData options (`$orderby`, `$select`, `$expand`, …) are a 400, as is any option
 * given twice.
 */
import { PorticoError } from '../../shared/errors.js';
import { clip } from '../../shared/quote.js';
import { type FieldReader, fieldNames, fieldReader, type ListFields, NO_PROPERTIES } from './list-fields.js';

type Predicate = (resource: unknown) => boolean;

/** How deep parentheses and `not` may nest in a `$filter`. */
export const MAX_FILTER_DEPTH = 32;

const OPTIONS = ['$filter', '$top', '$skip'];

/** One page of a list: its resources, and the `$skip` of the next page when more follow. */
export interface ListPage {
  readonly value: unknown[];
  readonly nextSkip?: number;
}

/**
 * Applies `$filter`, then `$skip`, then `$top` of a query to a list of resources whose fields are
 * `fields`; a `$top` that leaves some out answers where the next page starts.
 */
export function applyListQuery(
  resources: readonly unknown[],
  query: URLSearchParams,
  fields: ListFields = NO_PROPERTIES,
): ListPage {
  refuseRepeatedOptions(query);
  refuseOtherOptions(query);
  const filter = query.get('$filter');
  const kept =
    filter === null || filter.trim() === ''
      ? [...resources]
      : resources.filter(new FilterParser(filter, fields).parse());
  const skip = count(query, '$skip') ?? 0;
  const top = count(query, '$top');
  if (top === 0) {
    throw new PorticoError(
      'CONTROL_BAD_REQUEST',
      '$top must be at least 1: it is the size of a page (leave it out for the whole list in one page).',
    );
  }
  const end = top === undefined ? kept.length : skip + top;
  return { value: kept.slice(skip, end), ...(end < kept.length ? { nextSkip: end } : {}) };
}

/**
 * A 400 for an OData option given twice (`$top=2&$top=3`): which one counts is a guess (the first was
 * taken, and `nextLink` repeated both), so neither is.
 */
function refuseRepeatedOptions(query: URLSearchParams): void {
  const seen = new Set<string>();
  for (const name of query.keys()) {
    if (!name.startsWith('$')) {
      continue;
    }
    if (seen.has(name)) {
      throw new PorticoError(
        'CONTROL_BAD_REQUEST',
        `The query option '${clip(name)}' is given ${query.getAll(name).length} times; give it once.`,
      );
    }
    seen.add(name);
  }
}

/** A 400 for an OData option other than `$filter`, `$top` and `$skip`: it would change the answer. */
function refuseOtherOptions(query: URLSearchParams): void {
  for (const name of query.keys()) {
    if (name.startsWith('$') && !OPTIONS.includes(name)) {
      throw new PorticoError(
        'CONTROL_BAD_REQUEST',
        `The query option '${clip(name)}' is not supported on Portico's lists, which read only $filter, $top and $skip and answer in a fixed order; leave it out (and sort or select on the client).`,
      );
    }
  }
}

function count(query: URLSearchParams, name: string): number | undefined {
  const text = query.get(name);
  if (text === null) {
    return undefined;
  }
  if (!/^\d{1,9}$/.test(text)) {
    throw new PorticoError('CONTROL_BAD_REQUEST', `${name} must be a whole number, got '${clip(text)}'.`);
  }
  return Number(text);
}

type Token =
  | { kind: 'word'; text: string }
  | { kind: 'string'; value: string }
  | { kind: 'number'; value: number }
  | { kind: 'punct'; text: '(' | ')' | ',' };

const TOKEN = /\s*(?:'((?:[^']|'')*)'|(-?\d+(?:\.\d+)?)(?![\w/])|([A-Za-z_][\w/.]*)|([(),]))/y;

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  TOKEN.lastIndex = 0;
  // Up to the trailing spaces, found once: testing the rest of the text at each token is quadratic.
  const end = text.trimEnd().length;
  while (TOKEN.lastIndex < end) {
    const at = TOKEN.lastIndex;
    const m = TOKEN.exec(text);
    if (m === null) {
      throw unsupported(text, `cannot read it at '${clip(text.slice(at).trim(), 20)}'`);
    }
    if (m[1] !== undefined) {
      tokens.push({ kind: 'string', value: m[1].replaceAll("''", "'") });
    } else if (m[2] !== undefined) {
      tokens.push({ kind: 'number', value: Number(m[2]) });
    } else if (m[3] !== undefined) {
      tokens.push({ kind: 'word', text: m[3] });
    } else {
      tokens.push({ kind: 'punct', text: m[4] as '(' | ')' | ',' });
    }
  }
  return tokens;
}

function unsupported(filter: string, why: string): PorticoError {
  return new PorticoError(
    'CONTROL_BAD_REQUEST',
    `$filter '${clip(filter, 200)}' is not understood: ${why}. Portico reads comparisons (field eq 'value', ne, gt, ge, lt, le), contains/startswith/endswith(field, 'value'), and, or, not and parentheses.`,
  );
}

const COMPARISONS: Readonly<Record<string, (order: number) => boolean>> = {
  eq: (o) => o === 0,
  ne: (o) => o !== 0,
  gt: (o) => o > 0,
  ge: (o) => o >= 0,
  lt: (o) => o < 0,
  le: (o) => o <= 0,
};

const FUNCTIONS: Readonly<Record<string, (field: string, value: string) => boolean>> = {
  contains: (f, v) => f.includes(v),
  startswith: (f, v) => f.startsWith(v),
  endswith: (f, v) => f.endsWith(v),
};

/**
 * Reads a `$filter` into a predicate over resources (recursive descent: or over and over primaries);
 * throws a 400 for what it does not read.
 */
class FilterParser {
  private readonly filter: string;
  private readonly fields: ListFields;
  private readonly tokens: Token[];
  private i = 0;
  private depth = 0;

  constructor(filter: string, fields: ListFields) {
    this.filter = filter;
    this.fields = fields;
    this.tokens = tokenize(filter);
  }

  parse(): Predicate {
    const predicate = this.disjunction();
    if (this.i !== this.tokens.length) {
      throw unsupported(this.filter, 'unexpected text after the expression');
    }
    return predicate;
  }

  private disjunction(): Predicate {
    const parts = [this.conjunction()];
    while (this.peekWord() === 'or') {
      this.i++;
      parts.push(this.conjunction());
    }
    return parts.length === 1 ? (parts[0] as Predicate) : (r) => parts.some((part) => part(r));
  }

  private conjunction(): Predicate {
    const parts = [this.primary()];
    while (this.peekWord() === 'and') {
      this.i++;
      parts.push(this.primary());
    }
    return parts.length === 1 ? (parts[0] as Predicate) : (r) => parts.every((part) => part(r));
  }

  private primary(): Predicate {
    const word = this.peekWord();
    const t = this.tokens[this.i];
    if (word === 'not' || (t?.kind === 'punct' && t.text === '(')) {
      return this.nested(word === 'not');
    }
    if (
      word !== undefined &&
      (word in FUNCTIONS || word === 'substringof') &&
      this.tokens[this.i + 1]?.kind === 'punct'
    ) {
      return this.call(word);
    }
    return this.comparison();
  }

  /** `not <primary>` or `( <disjunction> )`, one level deeper. */
  private nested(negated: boolean): Predicate {
    this.i++;
    if (++this.depth > MAX_FILTER_DEPTH) {
      throw unsupported(
        this.filter,
        `it nests deeper than ${MAX_FILTER_DEPTH} levels of parentheses and not, the most Portico reads; write it flatter`,
      );
    }
    let inner: Predicate;
    if (negated) {
      const operand = this.primary();
      inner = (r) => !operand(r);
    } else {
      inner = this.disjunction();
      this.expect(')');
    }
    this.depth--;
    return inner;
  }

  /** `contains(field, 'value')`, `startswith`, `endswith`, or `substringof('value', field)`. */
  private call(word: string): Predicate {
    this.i++;
    this.expect('(');
    let read: FieldReader;
    let value: unknown;
    if (word === 'substringof') {
      value = this.literal();
      this.expect(',');
      read = this.field();
    } else {
      read = this.field();
      this.expect(',');
      value = this.literal();
    }
    this.expect(')');
    if (typeof value !== 'string') {
      throw unsupported(this.filter, `${word} takes a quoted string`);
    }
    const test = FUNCTIONS[word === 'substringof' ? 'contains' : word] as (f: string, v: string) => boolean;
    const wanted = value.toLowerCase();
    return (r) => {
      const found = read(r);
      return typeof found === 'string' && test(found.toLowerCase(), wanted);
    };
  }

  /** `field op value`. */
  private comparison(): Predicate {
    const name = this.tokens[this.i];
    const read = this.field();
    const op = this.peekWord();
    const compare = op === undefined ? undefined : COMPARISONS[op];
    if (compare === undefined) {
      const text = name?.kind === 'word' ? name.text : '';
      throw unsupported(this.filter, `an operator (eq, ne, gt, ge, lt, le) expected after '${clip(text)}'`);
    }
    this.i++;
    const value = this.literal();
    return (r) => {
      const order = orderOf(read(r), value);
      return order === undefined ? op === 'ne' : compare(order);
    };
  }

  private peekWord(): string | undefined {
    const t = this.tokens[this.i];
    return t?.kind === 'word' ? t.text.toLowerCase() : undefined;
  }

  private expect(text: '(' | ')' | ','): void {
    const t = this.tokens[this.i++];
    if (t?.kind !== 'punct' || t.text !== text) {
      throw unsupported(this.filter, `'${text}' expected`);
    }
  }

  private literal(): unknown {
    const t = this.tokens[this.i++];
    if (t?.kind === 'string' || t?.kind === 'number') {
      return t.value;
    }
    const word = t?.kind === 'word' ? t.text.toLowerCase() : undefined;
    if (word === 'true' || word === 'false') {
      return word === 'true';
    }
    if (word === 'null') {
      return null;
    }
    throw unsupported(this.filter, 'a value (a quoted string, a number, true, false or null) expected');
  }

  /** A field the list has, or a 400 naming the fields it has. */
  private field(): FieldReader {
    const t = this.tokens[this.i++];
    if (t?.kind !== 'word') {
      throw unsupported(this.filter, 'a field name expected');
    }
    const read = fieldReader(this.fields, t.text);
    if (read === undefined) {
      throw unsupported(
        this.filter,
        `'${clip(t.text)}' is not a field Portico can filter this list on (the fields are ${fieldNames(this.fields)})`,
      );
    }
    return read;
  }
}

/** How a field compares with a value (strings without case); undefined when they cannot be compared. */
function orderOf(found: unknown, value: unknown): number | undefined {
  if (value === null) {
    return found === null || found === undefined ? 0 : 1;
  }
  if (typeof found === 'string' && typeof value === 'string') {
    const a = found.toLowerCase();
    const b = value.toLowerCase();
    return a < b ? -1 : a > b ? 1 : 0;
  }
  if (typeof found === 'number' && typeof value === 'number') {
    return found - value;
  }
  if (typeof found === 'boolean' && typeof value === 'boolean') {
    return found === value ? 0 : 1;
  }
  return undefined;
}
