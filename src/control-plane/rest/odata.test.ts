import { describe, expect, it } from 'vitest';
import type { ListFields } from './list-fields.js';
import { applyListQuery, MAX_FILTER_DEPTH } from './odata.js';

const resources = [
  { name: 'billing', properties: { displayName: 'Billing', path: 'bill', state: 'active', limit: 3 } },
  { name: 'orders', properties: { displayName: "Customer's orders", path: 'orders', state: 'suspended' } },
  { name: 'stock', properties: { displayName: 'Stock', path: 'stock/v2', state: 'active', limit: 9 } },
];

const FIELDS: ListFields = {
  properties: ['displayName', 'path', 'state', 'limit'],
  derived: { initial: (r) => (r as { name: string }).name.charAt(0) },
};

const page = (query: string) => applyListQuery(resources, new URLSearchParams(query), FIELDS);
const names = (query: string) => page(query).value.map((r) => (r as { name: string }).name);

describe('Azure list query options', () => {
  it('filters with comparisons, functions, and/or/not and parentheses; strings without case', () => {
    expect(names("$filter=name eq 'orders'")).toEqual(['orders']);
    expect(names("$filter=name eq 'ORDERS'")).toEqual(['orders']);
    expect(names("$filter=properties/state ne 'active'")).toEqual(['orders']);
    expect(names("$filter=displayName eq 'Customer''s orders'")).toEqual(['orders']);
    expect(names("$filter=contains(displayName, 'ST')")).toEqual(['orders', 'stock']);
    expect(names("$filter=startswith(path,'st') or endswith(name, 'ing')")).toEqual(['billing', 'stock']);
    expect(names("$filter=state eq 'active' and not (limit gt 5)")).toEqual(['billing']);
    expect(names("$filter=substringof('ill', name)")).toEqual(['billing']);
    expect(names('$filter=limit eq null')).toEqual(['orders']);
  });

  it('reads fields without case, and derived fields', () => {
    expect(names("$filter=DisplayName eq 'stock'")).toEqual(['stock']);
    expect(names("$filter=Properties/State eq 'suspended'")).toEqual(['orders']);
    expect(names("$filter=initial eq 'b' or initial eq 's'")).toEqual(['billing', 'stock']);
  });

  it('skips and takes a page after filtering, saying where the next page starts', () => {
    expect(page('$top=1')).toMatchObject({ value: [{ name: 'billing' }], nextSkip: 1 });
    expect(page('$skip=1&$top=1')).toMatchObject({ value: [{ name: 'orders' }], nextSkip: 2 });
    expect(page('$skip=1&$top=2').nextSkip).toBeUndefined();
    expect(page('$skip=1')).toEqual({ value: resources.slice(1) });
    expect(names("$filter=state eq 'active'&$skip=1&$top=5")).toEqual(['stock']);
  });

  it('refuses what it does not read instead of ignoring it', () => {
    expect(() => names("$filter=name has 'x'")).toThrow(/is not understood: an operator/);
    expect(() => names("$filter=name eq 'x' extra")).toThrow(/unexpected text/);
    expect(() => names("$filter=any(tags, t: t eq 'x')")).toThrow(/is not understood/);
    expect(() => names('$top=-1')).toThrow('$top must be a whole number');
    expect(() => names('$top=0')).toThrow('$top must be at least 1');
    expect(() => names('$orderby=name')).toThrow("The query option '$orderby' is not supported");
    expect(() => names('$top=2&$top=3')).toThrow("The query option '$top' is given 2 times; give it once.");
    expect(() => names('$orderby=a&$orderby=b')).toThrow("The query option '$orderby' is given 2 times");
    expect(() => names('$skip=1&api-version=1&api-version=2')).not.toThrow();
  });

  it('refuses a field the list does not have, naming the fields it has', () => {
    for (const field of ['foo', 'properties/foo', 'properties', 'name/first']) {
      expect(() => names(`$filter=${field} eq 'x'`), field).toThrow(
        `'${field}' is not a field Portico can filter this list on (the fields are name, id, type, displayName, path, state, limit, initial)`,
      );
    }
    expect(() => names("$filter=contains(foo, 'x')")).toThrow("'foo' is not a field");
  });

  it(`refuses nesting deeper than ${MAX_FILTER_DEPTH} levels with a 400, whatever the depth`, () => {
    const nested = (depth: number) => `$filter=${'('.repeat(depth)}name eq 'stock'${')'.repeat(depth)}`;
    expect(names(nested(MAX_FILTER_DEPTH))).toEqual(['stock']);
    expect(() => names(nested(MAX_FILTER_DEPTH + 1))).toThrow(`nests deeper than ${MAX_FILTER_DEPTH} levels`);
    expect(() => names(nested(10_000))).toThrow(`nests deeper than ${MAX_FILTER_DEPTH} levels`);
    expect(() => names(`$filter=${'not '.repeat(10_000)}name eq 'x'`)).toThrow('nests deeper');
    // A long flat expression is no deeper than one comparison.
    const flat = Array.from({ length: 2_000 }, () => "name eq 'stock'").join(' or ');
    expect(names(`$filter=${encodeURIComponent(flat)}`)).toEqual(['stock']);
  });
});
