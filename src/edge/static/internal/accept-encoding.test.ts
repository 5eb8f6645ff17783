import { describe, expect, it } from 'vitest';
import { negotiateEncoding, parseAcceptEncoding } from './accept-encoding.js';

describe('negotiateEncoding', () => {
  it.each([
    ['gzip, deflate, br', 'br'],
    ['gzip, deflate, br, zstd', 'br'],
    ['br;q=0.5, gzip', 'gzip'],
    ['gzip;q=0.5, br;q=0.4', 'gzip'],
    ['*', 'br'],
    ['*;q=0.5, br;q=0', 'gzip'],
    ['x-gzip', 'gzip'],
    ['GZIP', 'gzip'],
    ['br;q=1.0', 'br'],
  ])('picks from %j: %s', (header, expected) => {
    expect(negotiateEncoding(header, ['br', 'gzip'])).toBe(expected);
  });

  it.each(['identity', 'deflate', 'br;q=0, gzip;q=0', '*;q=0', 'br;q=abc', 'br;q=2', ''])(
    'falls back to identity for %j',
    (header) => {
      expect(negotiateEncoding(header, ['br', 'gzip'])).toBeUndefined();
    },
  );

  it('only offers what is available', () => {
    expect(negotiateEncoding('br, gzip', ['gzip'])).toBe('gzip');
    expect(negotiateEncoding('br', ['gzip'])).toBeUndefined();
    expect(negotiateEncoding('br', [])).toBeUndefined();
    expect(negotiateEncoding(undefined, ['br'])).toBeUndefined();
  });
});

describe('parseAcceptEncoding', () => {
  it('maps codings to q-values', () => {
    expect(parseAcceptEncoding(' gzip ; q=0.8 , br,, *;Q=0.1')).toEqual(
      new Map([
        ['gzip', 0.8],
        ['br', 1],
        ['*', 0.1],
      ]),
    );
  });
});
