import { describe, expect, it } from 'vitest';
import { CounterKeys, KEYED_COUNTERS_MAX, KEYED_VALUE_MAX } from './_counter-keys.js';

const SERVICE = '/subscriptions/0/resourceGroups/rg/providers/Microsoft.ApiManagement/service/a';

describe('CounterKeys: the keys of rate-limit-by-key and quota-by-key, remembered', () => {
  it('answers the key the join gives, for every service and value', () => {
    const keys = new CounterKeys('ratekey');
    for (const [service, value] of [
      [SERVICE, 'sub-1'],
      [SERVICE, 'sub-2'],
      [`${SERVICE}b`, 'sub-1'],
      [SERVICE, ''],
      [SERVICE, 'a:b'],
    ] as const) {
      expect(keys.of(service, value)).toBe(`ratekey:${service}:${value}`);
      expect(keys.of(service, value)).toBe(`ratekey:${service}:${value}`);
    }
  });

  it('stays bounded under many values, and a value seen before its memory started over keeps its counter', () => {
    const keys = new CounterKeys('quotakey');
    const first = keys.of(SERVICE, 'client-0');
    for (let i = 1; i <= KEYED_COUNTERS_MAX * 2; i += 1) {
      keys.of(SERVICE, `client-${i}`);
      expect(keys.size).toBeLessThanOrEqual(KEYED_COUNTERS_MAX);
    }
    expect(keys.of(SERVICE, 'client-0')).toBe(first);
  });

  it('does not remember a long value, and still answers its key', () => {
    const keys = new CounterKeys('ratekey');
    const long = 'x'.repeat(KEYED_VALUE_MAX + 1);
    expect(keys.of(SERVICE, long)).toBe(`ratekey:${SERVICE}:${long}`);
    expect(keys.size).toBe(0);
  });
});
