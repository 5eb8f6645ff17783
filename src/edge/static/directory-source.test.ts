import { mkdir, mkdtemp, realpath, rename, rm, symlink, unlink, utimes, writeFile } from 'node:fs/promises';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { setTimeout as delay } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeFileIn } from '../../../test/helpers/app.js';
import type { Logger } from '../../shared/logger.js';
import { createDirectorySource, type DirectorySource } from './directory-source.js';

let base: string;
let root: string;
const sources: DirectorySource[] = [];

beforeEach(async () => {
  base = await realpath(await mkdtemp(join(tmpdir(), 'portico-static-')));
  root = join(base, 'site');
  await mkdir(root);
});

afterEach(async () => {
  await Promise.all(sources.splice(0).map((source) => source.close()));
  await rm(base, { recursive: true, force: true });
});

/** Writes a file under `at` (the site's root unless given), creating its folders. */
function put(relativePath: string, content: string, at = root): Promise<string> {
  return writeFileIn(at, relativePath, content);
}

async function open(
  options: Partial<Parameters<typeof createDirectorySource>[0]> = {},
): Promise<DirectorySource> {
  const source = await createDirectorySource({ root, ...options });
  sources.push(source);
  return source;
}

/** Polls `predicate` until it holds or the deadline passes; the poll interval is not an assertion. */
async function waitFor(predicate: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}`);
    }
    await delay(20);
  }
}

function paths(source: DirectorySource, candidates: readonly string[]): string[] {
  return candidates.filter((path) => source.get(path) !== undefined);
}

describe('createDirectorySource: index', () => {
  it('indexes nested files by decoded URL path', async () => {
    await put('index.html', '<h1>home</h1>');
    await put('css/site.css', 'body{}');
    await put('docs/a b/ü.txt', 'unicode');
    const source = await open();

    expect(source.fileCount).toBe(3);
    expect(source.get('/index.html')?.size).toBe(13);
    expect(source.get('/css/site.css')?.path).toBe('/css/site.css');
    expect(source.get('/docs/a b/ü.txt')).toBeDefined();
    expect(source.get('/docs/a%20b/%C3%BC.txt')).toBeUndefined();
    expect(source.get('/css')).toBeUndefined();
    expect(source.get('/css/')).toBeUndefined();
  });

  it('derives a strong ETag from size and mtime', async () => {
    const path = await put('a.txt', 'hello');
    await utimes(path, 1_700_000_000, 1_700_000_000);
    const source = await open();

    expect(source.get('/a.txt')?.etag).toBe(`"5-${(1_700_000_000_000).toString(16)}"`);
    expect(source.get('/a.txt')?.mtimeMs).toBe(1_700_000_000_000);
  });

  it('reads, caches small files, and streams byte ranges', async () => {
    await put('a.txt', '0123456789');
    const source = await open();
    const file = source.get('/a.txt');
    if (file === undefined) {
      throw new Error('a.txt was not indexed');
    }

    expect((await file.read()).toString()).toBe('0123456789');
    expect(await file.read()).toBe(await file.read());
    expect(await text(await file.stream({ start: 2, end: 4 }))).toBe('234');
    expect(await text(await file.stream())).toBe('0123456789');
  });

  it('refresh() swaps in a new index and drops cached contents', async () => {
    const path = await put('a.txt', 'old');
    const source = await open();
    expect((await source.get('/a.txt')?.read())?.toString()).toBe('old');

    await writeFile(path, 'newer');
    await put('b.txt', 'b');
    await source.refresh();

    expect((await source.get('/a.txt')?.read())?.toString()).toBe('newer');
    expect(source.get('/b.txt')).toBeDefined();
    expect(source.fileCount).toBe(2);
  });

  it('resolves a symlinked root', async () => {
    await put('index.html', 'x');
    const link = join(base, 'link-to-site');
    await symlink(root, link);
    const source = await createDirectorySource({ root: link });
    sources.push(source);

    expect(source.root).toBe(root);
    expect(source.get('/index.html')).toBeDefined();
  });

  it('is empty after close()', async () => {
    await put('index.html', 'x');
    const source = await open();
    await source.close();

    expect(source.get('/index.html')).toBeUndefined();
    expect(source.fileCount).toBe(0);
  });
});

describe('createDirectorySource: case index', () => {
  it('names the indexed path that differs only in case, rebuilt on refresh()', async () => {
    await put('logo.png', 'png');
    await put('Images/a.png', 'a');
    const source = await open({ caseIndex: true });

    expect(source.matchCase?.('/Logo.png')).toBe('/logo.png');
    expect(source.matchCase?.('/images/A.PNG')).toBe('/Images/a.png');
    expect(source.matchCase?.('/logo.png')).toBeUndefined();
    expect(source.matchCase?.('/missing.png')).toBeUndefined();
    expect(source.get('/Logo.png')).toBeUndefined();

    await rename(join(root, 'logo.png'), join(root, 'LOGO.png'));
    await source.refresh();
    expect(source.matchCase?.('/logo.png')).toBe('/LOGO.png');
  });

  it('is not kept without caseIndex', async () => {
    await put('logo.png', 'png');
    const source = await open();
    expect(source.matchCase).toBeUndefined();
  });
});

describe('createDirectorySource: what is never served', () => {
  it('skips .git, node_modules and config files at any depth', async () => {
    await put('index.html', 'x');
    await put('.git/config', 'secret');
    await put('node_modules/pkg/index.js', 'x');
    await put('sub/node_modules/pkg/index.js', 'x');
    await put('staticwebapp.config.json', '{}');
    await put('sub/staticwebapp.config.json', '{}');
    await put('routes.json', '{}');
    await put('deep/er/ROUTES.JSON', '{}');
    await put('.well-known/security.txt', 'contact');
    const source = await open();

    expect(source.fileCount).toBe(2);
    expect(source.get('/.well-known/security.txt')).toBeDefined();
    expect(source.get('/staticwebapp.config.json')).toBeUndefined();
    expect(source.get('/.git/config')).toBeUndefined();
  });

  it('applies exclude to directories (whole subtree) and files', async () => {
    await put('index.html', 'x');
    await put('api/index.js', 'x');
    await put('api/deep/x.js', 'x');
    await put('drafts/a.md', 'x');
    await put('drafts/keep.md', 'x');
    const seen: string[] = [];
    const source = await open({
      exclude: (path) => {
        seen.push(path);
        return path === 'api' || path === 'drafts/a.md';
      },
    });

    expect(
      paths(source, ['/index.html', '/api/index.js', '/api/deep/x.js', '/drafts/a.md', '/drafts/keep.md']),
    ).toEqual(['/index.html', '/drafts/keep.md']);
    expect(seen).not.toContain('api/index.js');
  });
});

describe('createDirectorySource: symlinks', () => {
  beforeEach(async () => {
    await put('real/page.html', 'inside');
    await put('staticwebapp.config.json', '{}');
    await put('.git/HEAD', 'ref');
    await put('secret.txt', 'outside', base);
    await put('outside-dir/x.txt', 'outside', base);
  });

  it('follows links whose target stays inside the root', async () => {
    await symlink(join(root, 'real/page.html'), join(root, 'alias.html'));
    await symlink(join(root, 'real'), join(root, 'alias-dir'));
    await symlink('real/page.html', join(root, 'real-rel.html'));
    const source = await open();

    expect(paths(source, ['/alias.html', '/alias-dir/page.html', '/real-rel.html'])).toHaveLength(3);
    expect((await source.get('/alias.html')?.read())?.toString()).toBe('inside');
  });

  it('skips links that leave the root, dangle, or reach hidden files', async () => {
    await symlink(join(base, 'secret.txt'), join(root, 'secret.txt'));
    await symlink('../secret.txt', join(root, 'relative-secret.txt'));
    await symlink(join(base, 'outside-dir'), join(root, 'outside'));
    await symlink('/etc', join(root, 'etc'));
    await symlink(join(root, 'missing'), join(root, 'dangling.txt'));
    await symlink(join(root, 'staticwebapp.config.json'), join(root, 'config.txt'));
    await symlink(join(root, '.git'), join(root, 'git'));
    const source = await open();

    expect(source.fileCount).toBe(1);
    expect(source.get('/real/page.html')).toBeDefined();
  });

  it('warns once of a link that leaves the root, naming where it leads, and says nothing of hidden targets', async () => {
    await symlink(join(base, 'outside-dir'), join(root, 'shared'));
    await symlink(join(root, 'staticwebapp.config.json'), join(root, 'config.txt'));
    const warnings: string[] = [];
    const logger: Logger = { debug() {}, info() {}, warn: (line) => void warnings.push(line), error() {} };
    const source = await open({ logger });
    await source.refresh();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(
      `not serving ${join(root, 'shared')}: it is a symbolic link to ${join(base, 'outside-dir')}, outside the folder served`,
    );
  });

  it('applies exclude to the real target of a link', async () => {
    await put('api/secret.js', 'x');
    await symlink(join(root, 'api/secret.js'), join(root, 'public.js'));
    const source = await open({ exclude: (path) => path === 'api' });

    expect(source.get('/public.js')).toBeUndefined();
  });

  it('refuses to read an indexed file swapped for a symlink before the next rebuild', async () => {
    const page = join(root, 'real/page.html');
    const source = await open();
    const file = source.get('/real/page.html');
    await unlink(page);
    await symlink(join(base, 'secret.txt'), page);

    await expect(file?.read()).rejects.toMatchObject({ code: 'ELOOP' });
    await expect(file?.stream() ?? Promise.resolve(Readable.from([]))).rejects.toMatchObject({
      code: 'ELOOP',
    });
  });

  it('refuses to read an indexed file whose folder was swapped for a symlink leading outside', async () => {
    await writeFile(join(base, 'page.html'), 'SECRET');
    const source = await open();
    const file = source.get('/real/page.html');
    await rename(join(root, 'real'), join(root, 'parked'));
    await symlink(base, join(root, 'real'));

    await expect(file?.read()).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(file?.stream() ?? Promise.resolve(Readable.from([]))).rejects.toMatchObject({
      code: 'ENOENT',
    });
  });

  it('cuts symlink loops', async () => {
    await symlink(root, join(root, 'real/loop'));
    await symlink('..', join(root, 'real/up'));
    const source = await open();

    expect(source.get('/real/page.html')).toBeDefined();
    expect(source.get('/real/loop/real/page.html')).toBeUndefined();
    expect(source.get('/real/up/real/page.html')).toBeUndefined();
  });
});

describe('createDirectorySource: request paths cannot escape the root', () => {
  const TRAVERSALS = [
    '/../secret.txt',
    '/%2e%2e/secret.txt',
    '/..%2fsecret.txt',
    '/%2e%2e%2fsecret.txt',
    '/..\\secret.txt',
    '\\..\\secret.txt',
    '/site/../../secret.txt',
    '/./../secret.txt',
    '//../secret.txt',
    '/index.html/../../secret.txt',
    '/index.html\0',
    '/index.html%00',
    '/..%00/secret.txt',
    `${'/..'.repeat(20)}/secret.txt`,
  ];

  beforeEach(async () => {
    await put('index.html', 'home');
    await put('secret.txt', 'TOP-SECRET', base);
  });

  it.each(TRAVERSALS)('get(%j) is undefined', async (path) => {
    const source = await open();
    expect(source.get(path)).toBeUndefined();
    expect(source.get(safeDecode(path))).toBeUndefined();
  });

  it('also holds over real HTTP with raw, decoded request paths', async () => {
    const source = await open();
    const server = await listen(source);
    try {
      for (const path of TRAVERSALS.filter((candidate) => !candidate.includes('\0'))) {
        const answer = await rawGet(server, path);
        expect(answer.status, path).not.toBe(200);
        expect(answer.body, path).not.toContain('TOP-SECRET');
      }
      expect((await rawGet(server, '/index.html')).body).toBe('home');
    } finally {
      server.close();
    }
  });
});

function safeDecode(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

/** A server doing the least possible: decode the raw path and look it up, no normalization at all. */
async function listen(source: DirectorySource): Promise<Server> {
  const server = createServer((req, res) => {
    const file = source.get(safeDecode((req.url ?? '/').split('?')[0] ?? '/'));
    if (file === undefined) {
      res.writeHead(404).end('not found');
      return;
    }
    void file.read().then((body) => res.end(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

function rawGet(server: Server, path: string): Promise<{ status: number; body: string }> {
  const { port } = server.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET' }, (res) => {
      void text(res).then((body) => resolve({ status: res.statusCode ?? 0, body }), reject);
    });
    req.on('error', reject);
    req.end();
  });
}

describe('createDirectorySource: watch', () => {
  it('picks up new and deleted files, then calls onChange', async () => {
    await put('index.html', 'x');
    let changes = 0;
    const source = await open({ watch: true, onChange: () => changes++ });

    await put('new/page.html', 'fresh');
    await waitFor(() => source.get('/new/page.html') !== undefined, 'the new file');
    await waitFor(() => changes >= 1, 'onChange after the addition');

    const before = changes;
    await unlink(join(root, 'index.html'));
    await waitFor(() => source.get('/index.html') === undefined, 'the deletion');
    await waitFor(() => changes > before, 'onChange after the deletion');
  });

  it('picks up files changed in place and saved by renaming over them, deep in the tree', async () => {
    // Files are watched through their folder's watcher only (one watcher per folder, not per file).
    await put('a/b/c/deep.txt', 'one');
    const source = await open({ watch: true });
    const etagOf = () => source.get('/a/b/c/deep.txt')?.etag;
    const first = etagOf();

    await put('a/b/c/deep.txt', 'changed in place');
    await waitFor(() => etagOf() !== first, 'the change in place');

    const second = etagOf();
    const temp = await put('a/b/c/.deep.txt.swp', 'saved by renaming over it');
    await rename(temp, join(root, 'a/b/c/deep.txt'));
    await waitFor(() => etagOf() !== second, 'the save by rename');
    expect((await source.get('/a/b/c/deep.txt')?.read())?.toString()).toBe('saved by renaming over it');
  });

  it('stops watching on close()', async () => {
    let changes = 0;
    const source = await open({ watch: true, onChange: () => changes++ });
    await source.close();

    await put('late.html', 'x');
    const other = await open({ watch: true });
    await put('probe.html', 'x');
    await waitFor(() => other.get('/probe.html') !== undefined, 'the probe through a second watcher');

    expect(changes).toBe(0);
    expect(source.get('/late.html')).toBeUndefined();
  });

  it('survives its root being deleted, logging instead of crashing', async () => {
    const lines: string[] = [];
    const logger = recordingLogger(lines);
    let changes = 0;
    const source = await open({ watch: true, logger, onChange: () => changes++ });
    await put('index.html', 'x');
    await waitFor(() => changes >= 1, 'the first rebuild');

    await rm(root, { recursive: true, force: true });
    await waitFor(() => source.fileCount === 0 || lines.length > 0, 'the watcher to notice');
    expect(source.get('/index.html')).toBeUndefined();
  });
});

function recordingLogger(lines: string[]): Logger {
  const push = (message: string) => {
    lines.push(message);
  };
  return { debug() {}, info: push, warn: push, error: push };
}
