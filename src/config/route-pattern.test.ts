import { describe, expect, it } from 'vitest';
import { parseConfigText } from './parse.js';
import { explainNeverMatch, parseRoutePattern } from './route-pattern.js';

describe('parseRoutePattern', () => {
  it('classifies exact, prefix, extension and never-matching patterns', () => {
    expect(parseRoutePattern('/about')).toEqual({ kind: 'exact', path: '/about' });
    expect(parseRoutePattern('/admin*')).toEqual({ kind: 'prefix', prefix: '/admin' });
    expect(parseRoutePattern('/img/*.{png,jpg}')).toEqual({
      kind: 'extensions',
      prefix: '/img/',
      extensions: ['.png', '.jpg'],
    });
    expect(parseRoutePattern('/a/*/b')).toEqual({ kind: 'never' });
  });

  it('the config warns about every pattern the matcher can never match', () => {
    // These passed the config's old, looser regex while the matcher rejected them: a silent dead rule.
    for (const route of ['/a/*.p g', '/a/*.png,jpg', '/a/*.{png,j*}']) {
      const result = parseConfigText(JSON.stringify({ routes: [{ route, allowedRoles: ['x'] }] }));
      const warnings = result.diagnostics.filter((d) => d.severity === 'warning').map((d) => d.message);
      expect(warnings.join('\n'), route).toContain('never matches');
    }
  });

  it('accepts extensions in any script, as mimeTypes keys do (@see tester finding: non-ASCII input)', () => {
    expect(parseRoutePattern('/y/*.{pdf,ñx}')).toEqual({
      kind: 'extensions',
      prefix: '/y/',
      extensions: ['.pdf', '.ñx'],
    });
    expect(parseRoutePattern('/*.日本')).toMatchObject({ kind: 'extensions', extensions: ['.日本'] });
    for (const route of ['/y/*.{pdf,ñx}', '/*.{txt,ñx}']) {
      const result = parseConfigText(
        JSON.stringify({
          routes: [{ route, allowedRoles: ['admin'] }],
          navigationFallback: { rewrite: '/index.html', exclude: [route] },
        }),
      );
      expect(result.diagnostics, route).toEqual([]);
    }
  });
});

describe('explainNeverMatch', () => {
  it('names what is wrong: a mid-path "*", an extension that is none, a set without braces', () => {
    expect(explainNeverMatch('/a/*.png')).toBeUndefined();
    expect(explainNeverMatch('/a/*/b')).toContain('"*" is only allowed at the end of "/a/*/b"');
    expect(explainNeverMatch('/a/*.{png,j g}')).toContain(
      '"j g" is not a file extension in "/a/*.{png,j g}"',
    );
    expect(explainNeverMatch('/a/*.p g')).toContain('"p g" is not a file extension');
    expect(explainNeverMatch('/a/*.{png,}')).toContain('an empty extension');
    expect(explainNeverMatch('/a/*.png,jpg')).toContain('list several in braces');
    expect(explainNeverMatch('/a/*.{png')).toContain('list several in braces');
  });
});
