import { describe, expect, it } from 'vitest';
import { isMatchablePattern, parseExtensionFilter } from '../../config/index.js';
import { compilePattern } from './pattern.js';

const cases: [pattern: string, path: string, expected: boolean][] = [
  ['/profile', '/profile', true],
  ['/profile', '/profile/', true],
  ['/profile/', '/profile', true],
  ['/profile', '/profile/index.html', false],
  ['/profile', '/Profile', false],
  ['/', '/', true],
  ['/', '/x', false],
  ['/admin*', '/admin', true],
  ['/admin*', '/admin.html', true],
  ['/admin*', '/admin/deep/x', true],
  ['/admin*', '/adm', false],
  ['/members*', '/members/', true],
  ['/members*', '/membersXYZ', true],
  ['/calendar/*', '/calendar/', true],
  ['/calendar/*', '/calendar/2021/01', true],
  ['/calendar/*', '/calendar', false],
  ['/calendar/*', '/calendar.html', false],
  ['/images/*.{png,jpg,gif}', '/images/a.png', true],
  ['/images/*.{png,jpg,gif}', '/images/deep/a.gif', true],
  ['/images/*.{png,jpg,gif}', '/images/a.svg', false],
  ['/images/*.{png,jpg,gif}', '/images/xpng', false],
  ['/*.png', '/x.png', true],
  ['/*.png', '/xpng', false],
  ['/articles/*.html', '/articles/a.html', true],
  ['/redirect/*/invalid', '/redirect/foo/invalid', false],
  ['/a*b', '/ab', false],
  ['/*', '/anything/at/all', true],
  ['/*', '/', true],
  ['/*', '/.auth/login/aad', false],
  ['/*.{js,css}', '/.auth/x.js', false],
  ['/.auth/login/twitter', '/.auth/login/twitter', true],
];

describe('compilePattern', () => {
  it.each(cases)('%s against %s → %s', (pattern, path, expected) => {
    expect(compilePattern(pattern)(path)).toBe(expected);
  });

  it('reports mid-path wildcards as never matching', () => {
    expect(isMatchablePattern('/a/*/b')).toBe(false);
    expect(isMatchablePattern('/a/*')).toBe(true);
    expect(isMatchablePattern('/a/*.{png,jpg}')).toBe(true);
  });
});

describe('parseExtensionFilter', () => {
  it('parses single extensions and brace sets', () => {
    expect(parseExtensionFilter('.png')).toEqual(['.png']);
    expect(parseExtensionFilter('.{png, jpg}')).toEqual(['.png', '.jpg']);
  });

  it('rejects anything that is not an extension filter', () => {
    expect(parseExtensionFilter('/b')).toBeUndefined();
    expect(parseExtensionFilter('.{png')).toBeUndefined();
    expect(parseExtensionFilter('x.png')).toBeUndefined();
  });
});
