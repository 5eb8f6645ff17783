import { describe, expect, it } from 'vitest';
import { clip, quoteValue } from './quote.js';

describe('quoteValue', () => {
  it('quotes short values as JSON, and strings with their quotes', () => {
    expect(quoteValue('x')).toBe('"x"');
    expect(quoteValue({ a: [1, null, undefined, 'b'], skip: undefined, at: new Date(0) })).toBe(
      JSON.stringify({ a: [1, null, undefined, 'b'], skip: undefined, at: new Date(0) }),
    );
    expect(quoteValue(undefined)).toBe('undefined');
    expect(quoteValue(10n)).toBe('10');
  });

  it('cuts long values, with the full length of a string', () => {
    expect(quoteValue('x'.repeat(5000), 4)).toBe('"xxxx…" (5000 characters)');
    expect(quoteValue({ list: Array.from({ length: 1e6 }, (_, i) => i) }, 12)).toBe(
      '{"list":[0,1… (more than 12 characters)',
    );
  });

  it('quotes a value nested a million deep without overflowing the stack', () => {
    const deep = JSON.parse(`${'['.repeat(1e6)}${']'.repeat(1e6)}`) as unknown;
    expect(quoteValue(deep)).toBe(`${'['.repeat(60)}… (more than 60 characters)`);
  });
});

describe('clip', () => {
  it('cuts text longer than the limit', () => {
    expect(clip('abcdef', 3)).toBe('abc…');
    expect(clip('abc', 3)).toBe('abc');
  });
});
