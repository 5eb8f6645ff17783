import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PorticoError } from '../shared/errors.js';
import { apiExclusions, nestedFolder, packDirectory } from './pack.js';

let base: string;

beforeEach(async () => {
  base = await realpath(await mkdtemp(join(tmpdir(), 'portico-pack-')));
});

afterEach(async () => {
  await rm(base, { recursive: true, force: true });
});

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

async function writeFiles(root: string, files: Record<string, string>): Promise<void> {
  for (const [path, text] of Object.entries(files)) {
    await mkdir(join(root, path, '..'), { recursive: true });
    await writeFile(join(root, path), text);
  }
}

describe('packDirectory', () => {
  it('lists files with relative / paths, sizes and SHA-256, sorted', async () => {
    const app = join(base, 'app');
    await writeFiles(app, { 'index.html': '<h1>hi</h1>', 'css/site.css': 'body{}', 'b.txt': '' });
    const packed = await packDirectory(app);
    expect(packed.files).toEqual([
      { path: 'b.txt', size: 0, sha256: sha256('') },
      { path: 'css/site.css', size: 6, sha256: sha256('body{}') },
      { path: 'index.html', size: 11, sha256: sha256('<h1>hi</h1>') },
    ]);
    expect(packed.bytes).toBe(17);
    expect(packed.absolute('css/site.css')).toBe(join(app, 'css', 'site.css'));
  });

  it('hashes files larger than one stream chunk', async () => {
    const text = 'x'.repeat(300_000);
    await writeFiles(base, { 'big.bin': text });
    const packed = await packDirectory(base);
    expect(packed.files).toEqual([{ path: 'big.bin', size: 300_000, sha256: sha256(text) }]);
  });

  it('skips .git folders and .DS_Store files at any depth', async () => {
    await writeFiles(base, {
      '.git/HEAD': 'ref',
      '.DS_Store': 'x',
      'sub/.DS_Store': 'x',
      'sub/.git': 'gitdir: ..',
      'sub/page.html': 'p',
      '.gitignore': 'kept',
    });
    const packed = await packDirectory(base);
    expect(packed.files.map((f) => f.path)).toEqual(['.gitignore', 'sub/page.html']);
  });

  it('leaves out .env files at any depth unless asked, and names them', async () => {
    await writeFiles(base, {
      '.env': 'SECRET=1',
      '.env.production': 'SECRET=2',
      'sub/.env.local': 'SECRET=3',
      'index.html': 'i',
      'environment.js': 'kept',
    });
    const packed = await packDirectory(base);
    expect(packed.files.map((f) => f.path)).toEqual(['environment.js', 'index.html']);
    expect(packed.skippedDotenv).toEqual(['.env', '.env.production', 'sub/.env.local']);

    const all = await packDirectory(base, { includeDotenv: true });
    expect(all.files.map((f) => f.path)).toContain('sub/.env.local');
    expect(all.skippedDotenv).toEqual([]);
  });

  it('leaves out what exclude names: files and whole folders', async () => {
    await writeFiles(base, {
      'index.html': 'i',
      'api/index.js': 'f',
      'api/host.json': '{}',
      'local.settings.json': '{}',
    });
    const packed = await packDirectory(base, { exclude: (path) => path === 'api' || apiExclusions(path) });
    expect(packed.files.map((f) => f.path)).toEqual(['index.html']);
  });

  it('apiExclusions leaves out only the root local.settings.json', () => {
    expect(apiExclusions('local.settings.json')).toBe(true);
    expect(apiExclusions('src/local.settings.json')).toBe(false);
    expect(apiExclusions('host.json')).toBe(false);
  });

  it('ignores symbolic links that leave the folder, follows those that stay inside', async () => {
    const app = join(base, 'app');
    await writeFiles(base, { 'secret.txt': 'secret', 'outside/x.txt': 'x' });
    await writeFiles(app, { 'index.html': 'i', 'assets/logo.svg': '<svg/>' });
    await symlink(join(base, 'secret.txt'), join(app, 'leak.txt'));
    await symlink(join(base, 'outside'), join(app, 'leak-dir'));
    await symlink(join(app, 'index.html'), join(app, 'alias.html'));
    await symlink(join(app, 'assets'), join(app, 'media'));
    await symlink(join(app, 'missing'), join(app, 'broken'));
    await symlink(app, join(app, 'assets', 'loop'));
    const packed = await packDirectory(app);
    expect(packed.files.map((f) => f.path)).toEqual([
      'alias.html',
      'assets/logo.svg',
      'index.html',
      'media/logo.svg',
    ]);
    expect(packed.files[0]?.sha256).toBe(sha256('i'));
    expect(packed.absolute('alias.html')).toBe(join(app, 'index.html'));
  });

  it('leaves out a link to a .env file like the file itself, unless asked', async () => {
    const app = join(base, 'app');
    await writeFiles(app, { 'index.html': 'i', '.env': 'API_KEY=sk-live', 'conf/.env.local': 'X=1' });
    await symlink(join(app, '.env'), join(app, 'env.txt'));
    await symlink(join(app, 'conf'), join(app, 'settings'));
    const packed = await packDirectory(app);
    expect(packed.files.map((f) => f.path)).toEqual(['index.html']);
    expect(packed.skippedDotenv).toEqual(['.env', 'conf/.env.local', 'env.txt', 'settings/.env.local']);
    const included = await packDirectory(app, { includeDotenv: true });
    expect(included.files.map((f) => f.path)).toContain('env.txt');
  });

  it('with servedTargetsOnly, leaves out links to what a site never serves, as portico start does', async () => {
    const app = join(base, 'app');
    await writeFiles(app, {
      'index.html': 'i',
      '.hidden': 'h',
      'staticwebapp.config.json': '{}',
      'node_modules/pkg/i.js': 'js',
      '.well-known/security.txt': 's',
    });
    await symlink(join(app, '.hidden'), join(app, 'vis.txt'));
    await symlink(join(app, 'staticwebapp.config.json'), join(app, 'cfg.json'));
    await symlink(join(app, 'node_modules/pkg/i.js'), join(app, 'nm.js'));
    await symlink(join(app, '.well-known/security.txt'), join(app, 'security.txt'));
    const packed = await packDirectory(app, { servedTargetsOnly: true });
    expect(packed.skippedLinks).toEqual(['cfg.json', 'nm.js', 'vis.txt']);
    expect(packed.files.map((f) => f.path)).toContain('security.txt');
    expect(packed.files.map((f) => f.path)).not.toContain('vis.txt');
  });

  it('reports a missing folder or a file as a user error', async () => {
    await writeFiles(base, { 'file.txt': 'x' });
    await expect(packDirectory(join(base, 'nope'))).rejects.toMatchObject({
      code: 'CLIENT_FOLDER_UNREADABLE',
    });
    await expect(packDirectory(join(base, 'file.txt'))).rejects.toBeInstanceOf(PorticoError);
  });
});

describe('nestedFolder', () => {
  it('gives the / path of a folder inside another, "" for the same, undefined otherwise', async () => {
    await mkdir(join(base, 'app', 'api', 'v1'), { recursive: true });
    await mkdir(join(base, 'api'));
    expect(await nestedFolder(join(base, 'app'), join(base, 'app', 'api', 'v1'))).toBe('api/v1');
    expect(await nestedFolder(join(base, 'app'), join(base, 'app', '.'))).toBe('');
    expect(await nestedFolder(join(base, 'app'), join(base, 'api'))).toBeUndefined();
  });
});
