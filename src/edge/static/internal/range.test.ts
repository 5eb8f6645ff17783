import { describe, expect, it } from 'vitest';
import { parseRange, UNSATISFIABLE } from './range.js';

describe('parseRange', () => {
  it.each([
    ['bytes=0-0', { start: 0, end: 0 }],
    ['bytes=0-99', { start: 0, end: 99 }],
    ['bytes=900-', { start: 900, end: 999 }],
    ['bytes=900-5000', { start: 900, end: 999 }],
    ['bytes=-100', { start: 900, end: 999 }],
    ['bytes=-5000', { start: 0, end: 999 }],
    ['Bytes = 1 - 2', { start: 1, end: 2 }],
  ])('parses %s', (header, expected) => {
    expect(parseRange(header, 1000)).toEqual(expected);
  });

  it.each(['bytes=1000-', 'bytes=1000-1001', 'bytes=-0'])('marks %s unsatisfiable', (header) => {
    expect(parseRange(header, 1000)).toBe(UNSATISFIABLE);
  });

  it('finds nothing satisfiable in an empty file', () => {
    expect(parseRange('bytes=0-', 0)).toBe(UNSATISFIABLE);
    expect(parseRange('bytes=-1', 0)).toBe(UNSATISFIABLE);
  });

  it.each([
    'bytes=0-1,5-6',
    'bytes=0-1,',
    'bytes=-',
    'bytes=5-2',
    'items=0-1',
    'bytes=a-b',
    'bytes=1.5-2',
    '',
  ])('ignores %j', (header) => {
    expect(parseRange(header, 1000)).toBeUndefined();
  });
});
