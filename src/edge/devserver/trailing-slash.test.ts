import { describe, expect, it } from 'vitest';
import { matchDevServerSlash } from './trailing-slash.js';

describe('matchDevServerSlash', () => {
  it.each([
    ['/about', 'always', '/about/'],
    ['/about/', 'always', undefined],
    ['/about/index.html', 'always', '/about/'],
    ['/contact.html', 'always', '/contact/'],
    ['/app.js', 'always', undefined],
    ['/about', 'never', undefined],
    ['/about/', 'never', '/about'],
    ['/about/index.html', 'never', '/about'],
    ['/index.html', 'never', '/'],
    ['/contact.html', 'never', '/contact'],
    ['/about', 'auto', undefined],
    ['/about/', 'auto', undefined],
    ['/about/index.html', 'auto', '/about/'],
    ['/contact.html', 'auto', '/contact'],
    ['/', 'always', undefined],
    ['/', 'never', undefined],
  ] as const)('%s with %s → %s', (path, mode, expected) => {
    expect(matchDevServerSlash(path, mode)).toBe(expected);
  });

  it('leaves every path alone without a trailingSlash setting', () => {
    for (const path of ['/about', '/about/', '/about/index.html', '/contact.html']) {
      expect(matchDevServerSlash(path, undefined)).toBeUndefined();
    }
  });
});
