import { describe, expect, it } from 'vitest';
import { memoize } from './memo.js';

describe('memoize', () => {
  it('computes a key once, and starts over once it holds max keys', () => {
    const asked: string[] = [];
    const upper = memoize(2, (key: string) => {
      asked.push(key);
      return key.toUpperCase();
    });
    expect([upper('a'), upper('b'), upper('a'), upper('b')]).toEqual(['A', 'B', 'A', 'B']);
    expect(asked).toEqual(['a', 'b']);
    // A third key empties the memory: the first two are computed again.
    expect([upper('c'), upper('c'), upper('a')]).toEqual(['C', 'C', 'A']);
    expect(asked).toEqual(['a', 'b', 'c', 'a']);
  });

  it('keeps nothing of a computation that threw', () => {
    let calls = 0;
    const parse = memoize(4, (text: string) => {
      calls += 1;
      return new URL(text).origin;
    });
    expect(() => parse('not a url')).toThrow();
    expect(() => parse('not a url')).toThrow();
    expect(calls).toBe(2);
  });
});
