import { describe, expect, it } from 'vitest';
import { caselessForm, foldCase } from './case-fold.js';

describe('caselessForm', () => {
  it('is lower case for ASCII', () => {
    expect(caselessForm('/API/GetRoles')).toBe('/api/getroles');
  });

  it('makes equal what the functions host makes equal', () => {
    for (const [a, b] of [
      ['/api/ſecure', '/api/secure'],
      ['/api/fıles', '/api/files'],
      ['/api/ǅ', '/api/ǆ'],
      ['/api/𐐨', '/api/𐐀'],
    ] as const) {
      expect(foldCase(a)).toBe(foldCase(b));
      expect(caselessForm(a)).toBe(caselessForm(b));
    }
  });

  it('makes equal what lower-casing makes equal, and keeps letters whose case changes the length', () => {
    expect(caselessForm('/api/\u212Aey')).toBe('/api/key');
    expect(caselessForm('/api/straße')).toBe('/api/straße');
    expect(caselessForm('/api/İ')).toBe('/api/İ');
  });
});
