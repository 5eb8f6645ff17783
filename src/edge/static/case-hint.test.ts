import { describe, expect, it } from 'vitest';
import { describeCaseMismatch, matchUrlCase } from './case-hint.js';

/** A case index over `paths`, as `DirectorySource.matchCase` answers. */
function indexOf(paths: readonly string[]): (path: string) => string | undefined {
  const byLowerCase = new Map(paths.map((path) => [path.toLowerCase(), path]));
  return (path) => {
    const found = byLowerCase.get(path.toLowerCase());
    return found === path ? undefined : found;
  };
}

describe('matchUrlCase', () => {
  const match = indexOf(['/logo.png', '/images/a.png', '/docs/INDEX.html', '/guide.html', '/index.html']);

  it.each([
    ['/Logo.png', '/logo.png'],
    ['/Images/a.png', '/images/a.png'],
    ['/Docs/', '/docs/'],
    ['/Docs', '/docs'],
    ['/Guide', '/guide'],
    ['/Guide/', '/guide/'],
    ['/GUIDE.html', '/guide.html'],
  ])('%s → %s', (path, url) => {
    expect(matchUrlCase(path, match)).toBe(url);
  });

  it.each(['/missing.png', '/images/b.png', '/', '/logo.png/'])('%s → nothing', (path) => {
    expect(matchUrlCase(path, match)).toBeUndefined();
  });
});

describe('describeCaseMismatch', () => {
  it('keeps control characters of a request path out of the terminal', () => {
    const line = describeCaseMismatch('/Logo.png\nwarning: forged', '/logo.png', false);
    expect(line).not.toContain('\n');
    expect(line).toContain('/Logo.png%0Awarning: forged was not found');
  });
});
