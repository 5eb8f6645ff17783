import { describe, expect, it } from 'vitest';
import { applyListQuery } from './odata.js';

const resources = [
  { name: 'billing', properties: { displayName: 'Billing', path: 'bill', state: 'active', limit: 3 } },
  { name: 'orders', properties: { displayName: "Customer's orders", path: 'orders', state: 'suspended' } },
  { name: 'stock', properties: { displayName: 'Stock', path: 'stock/v2', state: 'active', limit: 9 } },
];

const names = (query: string) =>
  applyListQuery(resources, new URLSearchParams(query)).map((r) => (r as { name: string }).name);

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

  it('skips and takes after filtering', () => {
    expect(names('$top=1')).toEqual(['billing']);
    expect(names('$skip=1')).toEqual(['orders', 'stock']);
    expect(names("$filter=state eq 'active'&$skip=1&$top=5")).toEqual(['stock']);
  });

  it('refuses what it does not read instead of ignoring it', () => {
    expect(() => names("$filter=name has 'x'")).toThrow(/is not understood: an operator/);
    expect(() => names("$filter=name eq 'x' extra")).toThrow(/unexpected text/);
    expect(() => names("$filter=any(tags, t: t eq 'x')")).toThrow(/is not understood/);
    expect(() => names('$top=-1')).toThrow('$top must be a whole number');
  });
});
