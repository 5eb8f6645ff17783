import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseIgnorePatterns, readFuncignore } from './funcignore.js';

describe('parseIgnorePatterns (.funcignore, gitignore syntax)', async () => {
  it('reads the .funcignore that func init writes for a TypeScript app', async () => {
    const ignored = await parseIgnorePatterns(
      '*.js.map\n*.ts\n.git*\n.vscode\nlocal.settings.json\ntest\ntsconfig.json\nnode_modules/\n',
    );
    expect(ignored('node_modules', true)).toBe(true);
    expect(ignored('src/functions/hello.ts', false)).toBe(true);
    expect(ignored('dist/src/functions/hello.js', false)).toBe(false);
    expect(ignored('dist/src/functions/hello.js.map', false)).toBe(true);
    expect(ignored('tsconfig.json', false)).toBe(true);
    expect(ignored('test', true)).toBe(true);
    expect(ignored('host.json', false)).toBe(false);
  });

  it('anchors patterns with a slash, keeps folder-only patterns to folders, and lets ! re-include', async () => {
    const ignored = await parseIgnorePatterns('# comment\n\n/build\ndocs/*.md\nlogs/\n*.log\n!keep.log\n');
    expect(ignored('build', true)).toBe(true);
    expect(ignored('src/build', true)).toBe(false);
    expect(ignored('docs/a.md', false)).toBe(true);
    expect(ignored('docs/deep/a.md', false)).toBe(false);
    expect(ignored('logs', false)).toBe(false);
    expect(ignored('src/logs', true)).toBe(true);
    expect(ignored('a/b.log', false)).toBe(true);
    expect(ignored('a/keep.log', false)).toBe(false);
  });

  it('spans folders with ** and reads classes, ? and escapes', async () => {
    const ignored = await parseIgnorePatterns(
      '**/fixtures\na/**/z.txt\nout/**\nfile[0-9].txt\n?.tmp\n\\#hash\n',
    );
    expect(ignored('x/y/fixtures', true)).toBe(true);
    expect(ignored('a/z.txt', false)).toBe(true);
    expect(ignored('a/b/c/z.txt', false)).toBe(true);
    expect(ignored('out/x', false)).toBe(true);
    expect(ignored('out', true)).toBe(false);
    expect(ignored('file7.txt', false)).toBe(true);
    expect(ignored('filex.txt', false)).toBe(false);
    expect(ignored('q.tmp', false)).toBe(true);
    expect(ignored('qq.tmp', false)).toBe(false);
    expect(ignored('#hash', false)).toBe(true);
  });
});

describe('readFuncignore (the file of an API folder)', () => {
  it('reads UTF-8 with a byte order mark and UTF-16 big-endian by their marks, as Core Tools does', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'portico-funcignore-'));
    try {
      const utf16be = Buffer.from('\uFEFFsecret.txt\n', 'utf16le').swap16();
      for (const bytes of [Buffer.from('\uFEFFsecret.txt\n'), utf16be]) {
        await writeFile(join(dir, '.funcignore'), bytes);
        expect((await readFuncignore(dir))?.('secret.txt', false)).toBe(true);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
