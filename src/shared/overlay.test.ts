import { describe, expect, it } from 'vitest';
import { overlay } from './overlay.js';

describe('overlay', () => {
  it('copies the base with the fields on top, as a spread would, and leaves the base as it was', () => {
    const base = Object.freeze({ a: 1, b: 'two', c: undefined });
    const copy = overlay(base, { b: 'three', d: true });
    expect(copy).toEqual({ ...base, b: 'three', d: true });
    expect(Object.keys(copy)).toEqual(['a', 'b', 'c', 'd']);
    expect(base).toEqual({ a: 1, b: 'two', c: undefined });
    expect(Object.isFrozen(copy)).toBe(false);
  });
});
