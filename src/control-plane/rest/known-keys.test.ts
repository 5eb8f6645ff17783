import { describe, expect, it } from 'vitest';
import { withKnownKeys } from './known-keys.js';

describe('withKnownKeys', () => {
  it('renames keys that match a known name without case, and keeps the others as spelled', () => {
    expect(withKnownKeys({ SKU: { Name: 'Free' }, Properties: {}, Other: 1 }, ['sku', 'properties'])).toEqual(
      {
        sku: { Name: 'Free' },
        properties: {},
        Other: 1,
      },
    );
  });

  it('refuses one known name spelled twice, naming both spellings', () => {
    expect(() =>
      withKnownKeys(
        { publicNetworkAccess: 'Enabled', PublicNetworkAccess: 'Disabled' },
        ['publicNetworkAccess'],
        'properties.',
      ),
    ).toThrow(
      'The body has both properties.publicNetworkAccess and properties.PublicNetworkAccess, which name the same property properties.publicNetworkAccess; send it once.',
    );
  });

  it('keeps a __proto__ key as data, never as the prototype', () => {
    const read = withKnownKeys(
      JSON.parse('{"__proto__": {"polluted": true}}') as Record<string, unknown>,
      [],
    );
    expect(Object.getPrototypeOf(read)).toBe(Object.prototype);
    expect(Object.hasOwn(read, '__proto__')).toBe(true);
  });
});
