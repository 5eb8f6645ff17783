import { describe, expect, it } from 'vitest';
import { SESSION_CACHE_MAX_CHARS, SESSION_CACHE_MAX_ENTRIES, SessionCache } from './_session-cache.js';

describe('SessionCache', () => {
  it('forgets the oldest values beyond its entry bound', () => {
    const cache = new SessionCache<number>();
    for (let i = 0; i <= SESSION_CACHE_MAX_ENTRIES; i++) {
      cache.set(`value-${i}`, i);
    }
    expect(cache.get('value-0')).toBeUndefined();
    expect(cache.get('value-1')).toBe(1);
    expect(cache.get(`value-${SESSION_CACHE_MAX_ENTRIES}`)).toBe(SESSION_CACHE_MAX_ENTRIES);
  });

  it('keeps the total length of its values bounded, and never keeps a value longer than the bound', () => {
    const cache = new SessionCache<string>();
    const long = (tag: string) => tag.padEnd(SESSION_CACHE_MAX_CHARS / 2, 'x');
    cache.set(long('a'), 'a');
    cache.set(long('b'), 'b');
    cache.set(long('c'), 'c');
    expect(cache.get(long('a'))).toBeUndefined();
    expect(cache.get(long('b'))).toBe('b');
    expect(cache.get(long('c'))).toBe('c');
    const huge = 'h'.repeat(SESSION_CACHE_MAX_CHARS + 1);
    cache.set(huge, 'h');
    expect(cache.get(huge)).toBeUndefined();
    expect(cache.get(long('c'))).toBe('c');
  });
});
