import { mkdir, mkdtemp, realpath, rename, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventually, writeFileIn } from '../../test/helpers/app.js';
import { describeWatchFailure, type FolderWatcher, watchFolderTree } from './folder-watch.js';
import type { Logger } from './logger.js';

let base: string;
let root: string;
const watchers: FolderWatcher[] = [];
const warnings: string[] = [];

const logger: Logger = {
  debug() {},
  info() {},
  warn: (message) => {
    warnings.push(message);
  },
  error: (message) => {
    warnings.push(message);
  },
};

beforeEach(async () => {
  base = await realpath(await mkdtemp(join(tmpdir(), 'portico-folder-watch-')));
  root = join(base, 'root');
  await mkdir(root);
  warnings.length = 0;
});

afterEach(async () => {
  for (const watcher of watchers.splice(0)) {
    watcher.close();
  }
  await rm(base, { recursive: true, force: true });
});

/** Writes a file under `at` (the root unless given), creating its folders. */
function put(relativePath: string, content: string, at = root): Promise<string> {
  return writeFileIn(at, relativePath, content);
}

/** Starts a watcher on `root` that counts its settled bursts. */
async function start(): Promise<{ settled: () => number; watcher: FolderWatcher }> {
  let count = 0;
  const watcher = watchFolderTree({ root, delayMs: 10, logger, onSettled: () => count++ });
  watchers.push(watcher);
  await watcher.ready;
  return { settled: () => count, watcher };
}

/** Long enough for an event that should not come to have settled (ten times the debounce), if it came. */
const QUIET_MS = 300;

describe('watchFolderTree', () => {
  it('reports changes deep in the tree, and saves that rename a temp file over a file, each time', async () => {
    await put('a/b/c/page.html', 'one');
    const { settled } = await start();

    await put('a/b/c/page.html', 'changed in place');
    await eventually(async () => settled() === 1);
    for (const round of [2, 3]) {
      const temp = await put(`a/b/c/.page.html.${round}.swp`, `saved by rename ${round}`);
      await rename(temp, join(root, 'a/b/c/page.html'));
      await eventually(async () => settled() === round);
    }
  });

  it('calls onBurstStart once at the first event of each burst, before the burst settles', async () => {
    const calls: string[] = [];
    const watcher = watchFolderTree({
      root,
      delayMs: 50,
      logger,
      onBurstStart: () => calls.push('start'),
      onSettled: () => calls.push('settled'),
    });
    watchers.push(watcher);
    await watcher.ready;

    // Several events at once: one burst, or more if the machine spreads them out; each starts once.
    await Promise.all(['one.txt', 'two.txt', 'three.txt'].map((name) => put(name, name)));
    await eventually(async () => calls.at(-1) === 'settled');
    const first = calls.length;
    await put('four.txt', '4');
    await eventually(async () => calls.length > first && calls.at(-1) === 'settled');
    expect(calls.length % 2).toBe(0);
    for (let index = 0; index < calls.length; index += 2) {
      expect(calls.slice(index, index + 2)).toEqual(['start', 'settled']);
    }
  });

  it('watches a folder created after it started, before saying so', async () => {
    const { settled } = await start();

    await mkdir(join(root, 'new/inner'), { recursive: true });
    await eventually(async () => settled() >= 1);
    const before = settled();
    // The root's watcher does not see this: only a watcher on the new folder does.
    await put('new/inner/page.html', 'x');
    await eventually(async () => settled() > before);
  });

  it('forgets a deleted folder and watches it again once it is back', async () => {
    await put('a/page.html', 'x');
    const { settled } = await start();

    await rm(join(root, 'a'), { recursive: true });
    await eventually(async () => settled() >= 1);
    await mkdir(join(root, 'a'));
    await eventually(async () => settled() >= 2);
    const before = settled();
    await put('a/page.html', 'y');
    await eventually(async () => settled() > before);
    expect(warnings).toEqual([]);
  });

  it('ignores .git and node_modules at any depth and in any case, and their creation', async () => {
    await put('node_modules/pkg/index.js', 'x');
    await put('sub/.GIT/HEAD', 'x');
    const { settled } = await start();

    await put('node_modules/pkg/index.js', 'changed');
    await put('sub/.GIT/HEAD', 'changed');
    await mkdir(join(root, 'sub/Node_Modules'));
    await delay(QUIET_MS);
    expect(settled()).toBe(0);

    await put('probe.html', 'x');
    await eventually(async () => settled() === 1);
  });

  it('does not follow a symbolic link to a folder outside the root', async () => {
    const outside = join(base, 'outside');
    await put('file.txt', 'x', outside);
    await symlink(outside, join(root, 'link'));
    const { settled } = await start();

    await put('file.txt', 'changed', outside);
    await delay(QUIET_MS);
    expect(settled()).toBe(0);
  });

  it('says nothing after close()', async () => {
    const { settled, watcher } = await start();
    watcher.close();
    watcher.close();

    await put('late.html', 'x');
    await delay(QUIET_MS);
    expect(settled()).toBe(0);
  });

  it('survives its root being deleted, without a warning', async () => {
    await put('a/page.html', 'x');
    const { settled } = await start();

    await rm(root, { recursive: true });
    await eventually(async () => settled() >= 1);
    expect(warnings).toEqual([]);
  });
});

describe('describeWatchFailure', () => {
  const failure = (code: string, message: string) => Object.assign(new Error(message), { code });

  it('says how to raise the limit of watched folders when the system ran out of them', () => {
    const text = describeWatchFailure(
      '/app/docs',
      failure('ENOSPC', 'ENOSPC: System limit for number of file watchers reached, watch'),
    );
    expect(text).toContain('watching /app/docs failed');
    expect(text).toContain('limit of watched folders');
    expect(text).toContain('sysctl fs.inotify.max_user_watches=');
    expect(text).toContain('need a restart');
  });

  it('says how to raise the limit of open files', () => {
    expect(describeWatchFailure('/app', failure('EMFILE', 'EMFILE: too many open files'))).toContain(
      'ulimit -n',
    );
  });

  it('names the folder and the error for any other failure', () => {
    expect(describeWatchFailure('/app/x', failure('EACCES', 'EACCES: permission denied'))).toBe(
      'watching /app/x failed (EACCES: permission denied); changes in the folders not watched need a restart.',
    );
  });
});
