/**
 * What `npm install portico` gives a user: every `docs/…` file a message or `--help` names is in the
 * package, and so is the LICENSE package.json declares (issue 19 item 4).
 */
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Source files that ship (messages, help text, portal pages), not tests. */
function shippedSources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      return shippedSources(path);
    }
    return /\.(ts|tsx|js|html)$/.test(entry.name) && !/\.test\.ts$/.test(entry.name) ? [path] : [];
  });
}

/** Every `docs/….md` path named in the shipped sources. */
function namedDocs(): string[] {
  const names = shippedSources(join(ROOT, 'src')).flatMap((file) =>
    [...readFileSync(file, 'utf8').matchAll(/docs\/[A-Za-z0-9_./-]*?\.md/g)].map((match) => match[0]),
  );
  return [...new Set(names)].sort();
}

describe('the npm package', () => {
  it('holds every doc a message names, and the LICENSE', async () => {
    const { stdout } = await promisify(execFile)('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
      cwd: ROOT,
      maxBuffer: 64 * 1024 * 1024,
    });
    const [pack] = JSON.parse(stdout) as { files: { path: string }[] }[];
    const packed = new Set((pack?.files ?? []).map((file) => file.path));
    const docs = namedDocs();
    expect(docs).toContain('docs/security.md');
    expect(docs.filter((doc) => !packed.has(doc))).toEqual([]);
    expect(packed.has('LICENSE')).toBe(true);
    expect(readFileSync(join(ROOT, 'LICENSE'), 'utf8')).toContain('MIT License');
  }, 120_000);
});
