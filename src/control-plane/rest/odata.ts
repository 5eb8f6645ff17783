/**
 * Azure's list query options on the resources of a list (`$filter`, `$top`, `$skip`, as API Management's
 * lists take them): a small OData subset that covers what scripts send, and a 400 for the rest, so that a
 * filter is never ignored (a script that deletes what it filtered must not delete everything).
 *
 * `$filter`: comparisons `eq ne gt ge lt le` of a field with a string ('it''s'), number, `true`/`false` or
 * `null`, and the functions `contains`, `startswith`, `endswith` (`substringof` too); joined with `and` /
 * `or` (and before or), with `not` and parentheses. A field is `name`, or a property (`displayName`,
 * `properties/displayName`); strings compare without case, as Azure does.
 */
import { PorticoError } from '../../shared/errors.js';
import { isRecord } from '../../shared/guards.js';
import { clip } from '../../shared/quote.js';

type Predicate = (resource: unknown) => boolean;

/** Applies `$filter`, then `$skip`, then `$top` of a query to a list of resources. */
export function applyListQuery(resources: readonly unknown[], query: URLSearchParams): unknown[] {
  const filter = query.get('$filter');
  const kept =
    filter === null || filter.trim() === '' ? [...resources] : resources.filter(parseFilter(filter));
  const skip = count(query, '$skip');
  const top = count(query, '$top');
  return kept.slice(skip ?? 0, top === undefined ? undefined : (skip ?? 0) + top);
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
  while (TOKEN.lastIndex < text.length) {
    if (/^\s*$/.test(text.slice(TOKEN.lastIndex))) {
      break;
    }
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

/** Parses a `$filter` into a predicate over resources; throws a 400 for what it does not read. */
function parseFilter(filter: string): Predicate {
  const tokens = tokenize(filter);
  let i = 0;
  const peekWord = () => {
    const t = tokens[i];
    return t?.kind === 'word' ? t.text.toLowerCase() : undefined;
  };
  const expect = (text: '(' | ')' | ',') => {
    const t = tokens[i++];
    if (t?.kind !== 'punct' || t.text !== text) {
      throw unsupported(filter, `'${text}' expected`);
    }
  };
  const literal = (): unknown => {
    const t = tokens[i++];
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
    throw unsupported(filter, 'a value (a quoted string, a number, true, false or null) expected');
  };
  const field = (): string => {
    const t = tokens[i++];
    if (t?.kind !== 'word') {
      throw unsupported(filter, 'a field name expected');
    }
    return t.text;
  };
  const primary = (): Predicate => {
    const word = peekWord();
    if (word === 'not') {
      i++;
      const inner = primary();
      return (r) => !inner(r);
    }
    const t = tokens[i];
    if (t?.kind === 'punct' && t.text === '(') {
      i++;
      const inner = disjunction();
      expect(')');
      return inner;
    }
    if (
      word !== undefined &&
      (word in FUNCTIONS || word === 'substringof') &&
      tokens[i + 1]?.kind === 'punct'
    ) {
      i++;
      expect('(');
      let name: string;
      let value: unknown;
      if (word === 'substringof') {
        value = literal();
        expect(',');
        name = field();
      } else {
        name = field();
        expect(',');
        value = literal();
      }
      expect(')');
      if (typeof value !== 'string') {
        throw unsupported(filter, `${word} takes a quoted string`);
      }
      const test = FUNCTIONS[word === 'substringof' ? 'contains' : word] as (f: string, v: string) => boolean;
      const wanted = value.toLowerCase();
      return (r) => {
        const found = fieldOf(r, name);
        return typeof found === 'string' && test(found.toLowerCase(), wanted);
      };
    }
    const name = field();
    const op = peekWord();
    const compare = op === undefined ? undefined : COMPARISONS[op];
    if (compare === undefined) {
      throw unsupported(filter, `an operator (eq, ne, gt, ge, lt, le) expected after '${clip(name)}'`);
    }
    i++;
    const value = literal();
    return (r) => {
      const found = fieldOf(r, name);
      const order = orderOf(found, value);
      return order === undefined ? op === 'ne' : compare(order);
    };
  };
  const conjunction = (): Predicate => {
    let left = primary();
    while (peekWord() === 'and') {
      i++;
      const a = left;
      const b = primary();
      left = (r) => a(r) && b(r);
    }
    return left;
  };
  const disjunction = (): Predicate => {
    let left = conjunction();
    while (peekWord() === 'or') {
      i++;
      const a = left;
      const b = conjunction();
      left = (r) => a(r) || b(r);
    }
    return left;
  };
  const predicate = disjunction();
  if (i !== tokens.length) {
    throw unsupported(filter, `unexpected text after the expression`);
  }
  return predicate;
}

/** A field of a resource: `name`, `id`, `type`, or a property (`displayName`, `properties/displayName`). */
function fieldOf(resource: unknown, path: string): unknown {
  if (!isRecord(resource)) {
    return undefined;
  }
  const parts = path.split('/');
  const top = parts[0] ?? '';
  const properties = isRecord(resource.properties) ? resource.properties : {};
  let value: unknown = parts.length === 1 && ['name', 'id', 'type'].includes(top) ? resource[top] : undefined;
  if (value === undefined) {
    value = parts[0] === 'properties' ? properties : resource;
    for (const part of parts[0] === 'properties' ? parts.slice(1) : parts) {
      value = isRecord(value) ? value[part] : undefined;
    }
    if (value === undefined && parts[0] !== 'properties') {
      value = parts.reduce<unknown>((v, part) => (isRecord(v) ? v[part] : undefined), properties);
    }
  }
  return value;
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
