import { describe, expect, it } from 'vitest';
import { parseConfigText } from './parse.js';
import { parseRoutePattern } from './route-pattern.js';

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
});
