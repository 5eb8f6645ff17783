/**
 * A deployment's API on this node's disk: one folder per site and API content, shared by the deployments
 * that change only static files, so the running API can be kept across them; pruned with the deployments.
 * @see docs/decisions/0047-keep-the-api-across-static-deploys.md
 */
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ControlContext,
  materializeDeployment,
  materializeWithSharedApi,
  pruneLocalDeployments,
} from '../../src/control-plane/index.js';
import type { Manifest, ManifestFile } from '../../src/control-plane/manifest.js';
import { sha256Hex } from '../../src/shared/hash.js';
import { openDatabase, type StorageDatabase } from '../../src/storage/index.js';
import { testControlContext } from '../helpers/control-context.js';
import { createSqliteDatabase } from '../helpers/databases.js';

describe('API folders shared by deployments of the same API', () => {
  let storage: StorageDatabase;
  let cleanup: () => Promise<void>;
  let ctx: ControlContext;

  /** Stores `text` in the blob store and lists it at `path`. */
  const file = async (path: string, text: string): Promise<ManifestFile> => {
    const data = Buffer.from(text);
    const sha256 = sha256Hex(data);
    await ctx.blobs.put(sha256, data);
    return { path, size: data.length, sha256 };
  };
  const manifest = async (page: string, handler: string): Promise<Manifest> => ({
    app: [await file('index.html', page)],
    api: [await file('host.json', '{"version":"2.0"}'), await file('src/index.js', handler)],
  });

  beforeAll(async () => {
    const created = await createSqliteDatabase();
    cleanup = created.cleanup;
    storage = await openDatabase(created.location);
    ctx = testControlContext(storage, created.dir);
  });
  afterAll(async () => {
    await storage?.close();
    await cleanup?.();
  });

  it('gives deployments that differ in static files only the same API folder, and each its own app', async () => {
    const one = await materializeWithSharedApi(ctx, 'd1', await manifest('v1', 'a'), 'site:s1');
    const two = await materializeWithSharedApi(ctx, 'd2', await manifest('v2', 'a'), 'site:s1');
    expect(two.apiDir).toBe(one.apiDir);
    expect(two.appDir).not.toBe(one.appDir);
    expect(await readFile(join(two.appDir, 'index.html'), 'utf8')).toBe('v2');
    expect(await readFile(join(one.apiDir ?? '', 'src', 'index.js'), 'utf8')).toBe('a');

    const changed = await materializeWithSharedApi(ctx, 'd3', await manifest('v2', 'b'), 'site:s1');
    expect(changed.apiDir).not.toBe(one.apiDir);
    expect(await readFile(join(changed.apiDir ?? '', 'src', 'index.js'), 'utf8')).toBe('b');
  });

  it('never shares an API folder between two sites, even with the same files', async () => {
    const mine = await materializeWithSharedApi(ctx, 'm1', await manifest('x', 'same'), 'site:mine');
    const theirs = await materializeWithSharedApi(ctx, 't1', await manifest('x', 'same'), 'site:theirs');
    expect(theirs.apiDir).not.toBe(mine.apiDir);
    expect(await readFile(join(theirs.apiDir ?? '', 'src', 'index.js'), 'utf8')).toBe('same');
  });

  it('moves the API a commit wrote into the deployment’s folder (nothing written twice)', async () => {
    const content = await manifest('committed', 'installed');
    // A commit publishes app and api under the deployment's folder (here through the same writer).
    const committed = await materializeDeployment(ctx, 'c1', content);
    const marker = join(committed.apiDir ?? '', 'node_modules', 'only-in-the-commit.txt');
    await mkdir(join(committed.apiDir ?? '', 'node_modules'), { recursive: true });
    await writeFile(marker, 'installed at commit');
    const shared = await materializeWithSharedApi(ctx, 'c1', content, 'site:commit');
    expect(await readFile(join(shared.apiDir ?? '', 'node_modules', 'only-in-the-commit.txt'), 'utf8')).toBe(
      'installed at commit',
    );
    await expect(stat(committed.apiDir ?? '')).rejects.toThrow(/ENOENT/);
    expect(await readFile(join(shared.appDir, 'index.html'), 'utf8')).toBe('committed');
  });

  it('prunes the deployments and API folders no environment of this node uses', async () => {
    const kept = await materializeWithSharedApi(ctx, 'p1', await manifest('kept', 'kept api'), 'site:prune');
    const gone = await materializeWithSharedApi(ctx, 'p2', await manifest('gone', 'gone api'), 'site:prune');
    await pruneLocalDeployments(ctx, new Set(['p1']), new Set([kept.apiDir ?? '']));
    expect(await readdir(join(ctx.workDir, 'deployments'))).toEqual(['p1']);
    expect(await readdir(join(ctx.workDir, 'api-contents'))).toEqual([(kept.apiDir ?? '').split('/').pop()]);
    await expect(stat(gone.apiDir ?? '')).rejects.toThrow(/ENOENT/);
    // A pruned API is written again from the blob store when a deployment needs it.
    const again = await materializeWithSharedApi(ctx, 'p2', await manifest('gone', 'gone api'), 'site:prune');
    expect(await readFile(join(again.apiDir ?? '', 'src', 'index.js'), 'utf8')).toBe('gone api');
  });
});
